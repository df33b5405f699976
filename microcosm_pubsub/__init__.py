"""
Typed publish/consume over AWS SNS and SQS, wired by a microcosm object graph.

The package root re-exports nothing: import names from their modules (see API.md of the
project, and the README).

"""
