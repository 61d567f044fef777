"""Messages to customers: SMS (a GSM modem or an HTTP gateway) and e-mail, the outbox that sends them once
and only once, and the templates they are written from."""
