"""Operations on one object beyond create/read/update/delete: task data, annotations,
datasets, backups and frames.

Each function takes a :class:`~cvatorm.connection.context.Target` (client, organization,
progress, polling, resource descriptor and key in one object) and returns wire data; the models
layer (:mod:`cvatorm.models.data`) exposes them as methods of ``Task``, ``Job`` and ``Project``
and as ``Task.objects.create_from_data``. This package never imports the models.

(No ``from __future__ import annotations`` here: it would bind the name ``annotations`` in this
package and shadow the :mod:`cvatorm.operations.annotations` module.)
"""
