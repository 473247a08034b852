"""Operations on tasks, jobs and projects beyond create/read/update/delete: task data,
annotations, datasets, backups and frames.

Each module offers functions taking a client and ids (usable without models), and
:mod:`cvatorm.operations.mixins` exposes them as methods of ``Task``, ``Job`` and ``Project``.

(No ``from __future__ import annotations`` here: it would bind the name ``annotations`` in this
package and shadow the :mod:`cvatorm.operations.annotations` module.)
"""
