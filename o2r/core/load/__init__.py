"""`make load` (issue 13, "Performance at national scale"): simulated staff against gunicorn
with the production settings. plan.py picks the accounts and what they open and undoes what
they write, locustfile.py is what they do (run by locust, in a process of its own), report.py
reads locust's figures back; the runner is the `load` management command."""
