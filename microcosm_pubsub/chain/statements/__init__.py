"""Statements: assignment, local calls, loops and branches usable as chain links."""
from microcosm_pubsub.chain.statements.assign import assign, assign_constant, assign_function, extract
from microcosm_pubsub.chain.statements.call import call
from microcosm_pubsub.chain.statements.for_each import for_each
from microcosm_pubsub.chain.statements.switch import switch
from microcosm_pubsub.chain.statements.try_chain import try_chain
from microcosm_pubsub.chain.statements.when import when


__all__ = [
    "assign",
    "assign_constant",
    "assign_function",
    "call",
    "extract",
    "for_each",
    "switch",
    "try_chain",
    "when",
]
