"""In-app notifications, each also sent by e-mail through the task queue after the write commits.

`notify(organisation_id=…, user_ids=…, text=…, url=…)` is the one way to tell people something:
it writes one `Notification` per recipient inside the caller's transaction (so a rolled-back write
notifies nobody) and queues one task, on commit, that e-mails them. The top bar shows the unread
count (context processor `unread`); `/notifications/` lists them.
"""
