"""
Observability of messages: OpenTelemetry trace propagation, Prometheus metrics, `pubsub top`.

Each part runs only when its optional extra is installed (`[otel]`: opentelemetry-api,
`[prometheus]`: prometheus-client, `[top]`: rich) and costs a shared no-op otherwise. The rest
of the package reaches it through a few hooks: the envelope notes a received message's trace
carrier (`carrier`), the producer and bulk publishing open PRODUCER spans (`otel`), the
dispatcher observes each message (`observer`), the health server serves `/metrics`
(`metrics`), and `pubsub top` reads health endpoints and queues (`top`).

"""
from microcosm_pubsub.observability.carrier import TRACE_ATTRIBUTES
from microcosm_pubsub.observability.metrics import METRICS
from microcosm_pubsub.observability.otel import TRACING, use_tracer_provider


__all__ = ["METRICS", "TRACE_ATTRIBUTES", "TRACING", "use_tracer_provider"]
