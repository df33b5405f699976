"""
Opaque-data keys shared by producers, consumers and handlers.

"""
DEFAULT_RESOURCE_CACHE_TTL = 60

PUBLISHED_KEY = "x-request-published"
TTL_KEY = "x-request-ttl"
REQUEST_ID_KEY = "x-request-id"
URI_KEY = "uri"
RECEIPT_HANDLE_KEY = "receipt_handle"
MESSAGE_ID_KEY = "message_id"
