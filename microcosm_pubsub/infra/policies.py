"""
What a live filter policy lets through, and whether a queue policy lets a topic send.

Only the parts SNS and IAM use for this path are evaluated (exact values and `prefix` on the
`media_type` attribute; Allow/Deny statements on `sqs:SendMessage` with `aws:SourceArn`
conditions). Anything else is treated as not matching, so `check` errs towards reporting.

"""
from fnmatch import fnmatchcase
from typing import Any, Iterable, Optional

from microcosm_pubsub.infra.plan import MEDIA_TYPE_ATTRIBUTE, is_wildcard
from microcosm_pubsub.registry import CATCH_ALL


def _values(filter_policy: dict) -> list[Any]:
    values = filter_policy.get(MEDIA_TYPE_ATTRIBUTE, [])
    return values if isinstance(values, list) else [values]


def admits(filter_policy: Optional[dict], media_type: str) -> bool:
    """Whether a subscription with this filter delivers every message of a handled media type."""
    if not filter_policy:
        return True
    if set(filter_policy) - {MEDIA_TYPE_ATTRIBUTE}:
        return False  # another attribute must match too: our messages carry only media_type
    prefix = media_type[:-1] if is_wildcard(media_type) else None
    for value in _values(filter_policy):
        if isinstance(value, str) and prefix is None and value == media_type:
            return True
        if isinstance(value, dict) and isinstance(value.get("prefix"), str):
            if (prefix or media_type).startswith(value["prefix"]):
                return True
    return False


def unhandled_values(filter_policy: Optional[dict], handled: Iterable[str]) -> list[str]:
    """The filter's values no handler takes (`everything` when there is no filter)."""
    handled = set(handled)
    if CATCH_ALL in handled:
        return []
    if not filter_policy:
        return ["every media type"]
    prefixes = [media_type[:-1] for media_type in handled if is_wildcard(media_type)]
    extra = []
    for value in _values(filter_policy):
        if isinstance(value, str):
            if value not in handled and not any(value.startswith(prefix) for prefix in prefixes):
                extra.append(value)
        elif isinstance(value, dict) and isinstance(value.get("prefix"), str):
            if not any(value["prefix"].startswith(prefix) for prefix in prefixes):
                extra.append(f"prefix {value['prefix']}")
        else:
            extra.append(str(value))
    return extra


def _listed(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _matches_any(patterns: Any, value: str) -> bool:
    return any(isinstance(pattern, str) and fnmatchcase(value.lower(), pattern.lower())
               for pattern in _listed(patterns))


def _principal_is_sns(principal: Any) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return _matches_any(principal.get("Service", []), "sns.amazonaws.com") or "*" in _listed(principal.get("AWS", []))


def _condition_holds(condition: Optional[dict], topic_arn: str) -> bool:
    """Only SourceArn equality/like conditions are understood; any other key does not hold."""
    for operator, tests in (condition or {}).items():
        for key, expected in (tests or {}).items():
            if key.lower() != "aws:sourcearn":
                return False
            if operator in ("ArnEquals", "StringEquals"):
                if topic_arn not in _listed(expected):
                    return False
            elif operator in ("ArnLike", "StringLike"):
                if not _matches_any(expected, topic_arn):
                    return False
            else:
                return False
    return True


def _applies(statement: dict, queue_arn: str, topic_arn: str) -> bool:
    return (_principal_is_sns(statement.get("Principal"))
            and _matches_any(statement.get("Action", []), "sqs:SendMessage")
            and _matches_any(statement.get("Resource", "*"), queue_arn)
            and _condition_holds(statement.get("Condition"), topic_arn))


def allows(policy: dict, queue_arn: str, topic_arn: str) -> bool:
    """Whether the queue policy lets SNS deliver from the topic (an explicit Deny wins)."""
    statements = [s for s in _listed(policy.get("Statement", [])) if isinstance(s, dict)]
    if any(s.get("Effect") == "Deny" and _applies(s, queue_arn, topic_arn) for s in statements):
        return False
    return any(s.get("Effect") == "Allow" and _applies(s, queue_arn, topic_arn) for s in statements)
