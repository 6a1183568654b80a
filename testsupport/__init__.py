"""What the test suites share and the running application never imports: data builders, query
budget checks, private servers (Redis, SMTP, app processes). Outside the runtime packages, so
that no import contract has to make room for it."""
