"""Mail: composing well-formed messages, the Maildir outbox, SMTP out."""
