"""Forms of the IOD accompaniment screens: they validate what was typed; employment.services
decides (and refuses in French, keyed by field: o2r.core.forms.add_service_errors)."""
