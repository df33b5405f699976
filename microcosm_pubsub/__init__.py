"""
Typed publish/consume over AWS SNS and SQS, wired by a microcosm object graph.

The package root re-exports nothing, so importing a submodule stays cheap: take the common
names from `microcosm_pubsub.api`, or any name from its own module (see the README).

"""
