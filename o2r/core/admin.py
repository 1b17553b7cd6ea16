from django.contrib import admin

from .models import TaskAttempt


@admin.register(TaskAttempt)
class TaskAttemptAdmin(admin.ModelAdmin):
    """The tasks being run and those set aside (the worker page lists the latter too)."""

    list_display = ["name", "attempts", "first_at", "last_at", "set_aside_at", "worker"]
    list_filter = ["name", ("set_aside_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["task_id", "name", "arguments", "attempts", "first_at", "last_at", "worker"]
