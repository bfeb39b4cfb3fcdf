"""Alert delivery channels: e-mail (SMTP), signed webhooks and JSON-lines files.

`open_sender` picks the sender for a channel config from `channels.yaml`;
`send_with_retries` delivers one `AlertMessage` through it with back-off. The rendering
functions say what every channel shows: `subject`, `plain_text`, `html` and `payload`.
"""

from rules.channels.delivery import Sender, open_sender, send_with_retries
from rules.channels.email import EmailSender, compose, message_id
from rules.channels.errors import DeliveryError
from rules.channels.jsonl_file import JsonlFileSender
from rules.channels.rendering import dashboard_link, html, payload, plain_text, subject
from rules.channels.webhook import WebhookSender, sign, verify_signature

__all__ = [
    "DeliveryError",
    "EmailSender",
    "JsonlFileSender",
    "Sender",
    "WebhookSender",
    "compose",
    "dashboard_link",
    "html",
    "message_id",
    "open_sender",
    "payload",
    "plain_text",
    "send_with_retries",
    "sign",
    "subject",
    "verify_signature",
]
