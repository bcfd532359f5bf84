"""The Slack adapter: slack-bolt (async) over the shared engine; it translates, it never scores or decides."""
