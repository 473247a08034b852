"""Operations on tasks, jobs and projects beyond create/read/update/delete: task data,
annotations, datasets, backups and frames.

Each module offers functions taking a client and ids (usable without models), and
:mod:`cvatorm.operations.mixins` exposes them as methods of ``Task``, ``Job`` and ``Project``.
"""

from __future__ import annotations
