"""
AWS quotas that shape batching, polling and size checks, in one place.

"""
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
SQS_MAX_RECEIVE_COUNT = 10
SQS_MAX_WAIT_SECONDS = 20

# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessageBatch.html
SQS_MAX_BATCH_ENTRIES = 10

# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html
SQS_MAX_VISIBILITY_TIMEOUT_SECONDS = 43200

# https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html
SNS_MAX_BATCH_ENTRIES = 10

# https://docs.aws.amazon.com/sns/latest/api/API_Publish.html (message plus attributes)
SNS_MAX_MESSAGE_BYTES = 256 * 1024

# https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html
SNS_MAX_FILTER_POLICY_VALUES = 150

# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html
# (the sum of all bodies and attributes in one batch; kept at the long-standing 256 KiB)
SQS_MAX_BATCH_BYTES = 256 * 1024
