"""
The daemon's consume engine; see `engine.py` for how the stages fit together.

"""
from microcosm_pubsub.engine.engine import ConsumeEngine
from microcosm_pubsub.engine.stats import EngineStats


__all__ = ["ConsumeEngine", "EngineStats"]
