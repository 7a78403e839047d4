"""A change stamp (`changed_at`) that every ORM write path sets, for caches kept current by the rows changed since
they were built (familysearch's prepared matching table).

`ChangeStamped` (an abstract model) gives the field and its manager; the stamp is written by
- `save()`, including `save(update_fields=[...])` (the stamp is added to the fields written);
- `QuerySet.update(...)` (the stamp is added to the values set, unless given), and so `bulk_update`, which
  Django writes through `update()`;
- `bulk_create` (the field's default);
- an INSERT that names no stamp (the column's database default).
A raw UPDATE must set `changed_at` itself. Deletions leave no stamp: a cache counts the rows to notice them.

The stamp is the writer's clock at the write, not its commit: a transaction committing after a reader looked
carries an older stamp than the reader's last look, so readers re-read a window (`CHANGE_LAG`) back."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models.functions import Now
from django.utils import timezone

# How far back a reader re-reads stamps: longer than any transaction that writes these rows stays open.
CHANGE_LAG = dt.timedelta(minutes=5)


class ChangeStampQuerySet(models.QuerySet):
    def update(self, **kwargs):
        kwargs.setdefault("changed_at", timezone.now())
        return super().update(**kwargs)

    update.alters_data = True


class ChangeStamped(models.Model):
    # the changed rows since a cache last looked (familysearch.prepared)
    changed_at = models.DateTimeField("变更时间", default=timezone.now, db_default=Now(), db_index=True,
                                      editable=False)

    objects = ChangeStampQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.changed_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields and "changed_at" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "changed_at"]
        super().save(*args, **kwargs)
