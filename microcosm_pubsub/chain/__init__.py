"""
The chain DSL: split a handler into small links that share one write-once context.

    chain = Chain(
        extract("order_id", "message", "order_id"),
        load_order,                      # (order_id) -> order, marked @extracts("order")
        when("order").then(ship_order),  # (order) -> ...
    )
    chain(message=message)

"""
from microcosm_pubsub.chain.chain import Chain
from microcosm_pubsub.chain.decorators import binds, extracts
from microcosm_pubsub.chain.statements import (
    assign,
    assign_constant,
    assign_function,
    call,
    extract,
    for_each,
    switch,
    try_chain,
    when,
)


__all__ = [
    "Chain",
    "assign",
    "assign_constant",
    "assign_function",
    "binds",
    "call",
    "extract",
    "extracts",
    "for_each",
    "switch",
    "try_chain",
    "when",
]
