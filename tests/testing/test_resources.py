"""CRUD of every resource with the real server's side effects: labels created with their
project/task, inherited project labels, cascading deletes, derived counters, updated_date,
organization of new objects, validation errors, 404/405 answers."""

from __future__ import annotations

import requests

PASSWORD = "!Q@W#E$R"


def _get(session: requests.Session, url: str, **params: str) -> dict:
    response = session.get(url, params=params)
    assert response.status_code == 200, response.text
    body: dict = response.json()
    return body


def test_project_with_labels_creates_them(url: str, admin: requests.Session) -> None:
    project = admin.post(
        f"{url}/api/projects",
        json={
            "name": "animals",
            "labels": [
                {"name": "cat", "color": "#112233"},
                {"name": "pose", "type": "skeleton", "sublabels": [{"name": "head"}]},
            ],
        },
    )
    assert project.status_code == 201
    body = project.json()
    assert body["owner"]["username"] == "admin1"
    assert body["organization"] is None
    assert body["tasks"] == {"count": 0, "url": f"{url}/api/tasks?project_id={body['id']}"}
    labels = _get(admin, f"{url}/api/labels", project_id=str(body["id"]))["results"]
    assert [label["name"] for label in labels] == ["cat", "pose"]
    assert labels[0]["color"] == "#112233"
    assert labels[0]["project_id"] == body["id"]
    assert [sub["name"] for sub in labels[1]["sublabels"]] == ["head"]


def test_task_in_project_inherits_labels_and_organization(url: str, as_user: object) -> None:
    user1 = as_user("user1")  # type: ignore[operator]
    org = {"X-Organization": "org1"}
    project = user1.post(
        f"{url}/api/projects", json={"name": "in org", "labels": [{"name": "a"}]}, headers=org
    ).json()
    assert project["organization"] == 1
    task = user1.post(
        f"{url}/api/tasks", json={"name": "child", "project_id": project["id"]}, headers=org
    )
    assert task.status_code == 201
    body = task.json()
    assert body["project_id"] == project["id"]
    assert body["project_name"] == "in org"
    assert body["organization"] == 1
    assert body["jobs"]["count"] == 0
    assert body["labels"] == {"url": f"{url}/api/labels?task_id={body['id']}"}
    labels = _get(user1, f"{url}/api/labels", task_id=str(body["id"]), org="org1")["results"]
    assert [label["name"] for label in labels] == ["a"]
    assert labels[0]["project_id"] == project["id"]
    counted = _get(user1, f"{url}/api/projects/{project['id']}", org="org1")
    assert counted["tasks"]["count"] == 1
    assert counted["updated_date"] >= body["created_date"]


def test_a_task_must_be_in_its_projects_organization(url: str, as_user: object) -> None:
    user1 = as_user("user1")  # type: ignore[operator]
    project = user1.post(
        f"{url}/api/projects", json={"name": "org1 project"}, headers={"X-Organization": "org1"}
    ).json()
    outside = user1.post(f"{url}/api/tasks", json={"name": "t", "project_id": project["id"]})
    assert outside.status_code == 400
    assert outside.json() == ["The task and its project should be in the same organization."]


def test_storages_are_null_unless_given(url: str, admin: requests.Session) -> None:
    plain = admin.post(f"{url}/api/projects", json={"name": "plain"}).json()
    assert plain["source_storage"] is None and plain["target_storage"] is None
    stored = admin.post(
        f"{url}/api/projects", json={"name": "stored", "target_storage": {"location": "local"}}
    ).json()
    assert stored["target_storage"]["location"] == "local"
    storage_id = stored["target_storage"]["id"]
    patched = admin.patch(
        f"{url}/api/projects/{stored['id']}",
        json={"target_storage": {"location": "cloud_storage", "cloud_storage_id": 1}},
    ).json()
    assert patched["target_storage"] == {
        "cloud_storage_id": 1,
        "id": storage_id,
        "location": "cloud_storage",
    }


def test_moving_a_task_into_a_project(url: str, admin: requests.Session) -> None:
    project = admin.post(
        f"{url}/api/projects", json={"name": "target", "labels": [{"name": "a"}, {"name": "b"}]}
    ).json()
    fits = admin.post(f"{url}/api/tasks", json={"name": "fits", "labels": [{"name": "a"}]})
    moved = admin.patch(f"{url}/api/tasks/{fits.json()['id']}", json={"project_id": project["id"]})
    assert moved.status_code == 200
    assert moved.json()["project_id"] == project["id"]
    labels = _get(admin, f"{url}/api/labels", task_id=str(fits.json()["id"]))["results"]
    assert sorted(label["name"] for label in labels) == ["a", "b"]
    misfit = admin.post(f"{url}/api/tasks", json={"name": "misfit", "labels": [{"name": "z"}]})
    refused = admin.patch(
        f"{url}/api/tasks/{misfit.json()['id']}", json={"project_id": project["id"]}
    )
    assert refused.status_code == 400
    assert refused.json() == {
        "non_field_errors": ["All task or project label names must be mapped to the target project"]
    }


def test_new_objects_go_to_the_personal_workspace_without_org(
    url: str, admin: requests.Session
) -> None:
    task = admin.post(f"{url}/api/tasks", json={"name": "solo", "labels": [{"name": "x"}]})
    assert task.status_code == 201
    assert task.json()["organization"] is None
    assert task.json()["organization_id"] is None


def test_task_validation_errors(url: str, admin: requests.Session) -> None:
    no_name = admin.post(f"{url}/api/tasks", json={"labels": [{"name": "x"}]})
    assert no_name.status_code == 400
    assert no_name.json() == {"name": ["This field is required."]}
    no_labels = admin.post(f"{url}/api/tasks", json={"name": "t"})
    assert no_labels.status_code == 201  # CVAT 2.64.1 (asked): a task without labels is fine
    made = no_labels.json()
    assert made["labels"] == {"url": f"{url}/api/labels?task_id={made['id']}"}
    both = admin.post(
        f"{url}/api/tasks", json={"name": "t", "project_id": 2, "labels": [{"name": "x"}]}
    )
    assert both.json() == ["Task must have only one of Label set or project_id"]
    nested = admin.post(
        f"{url}/api/tasks", json={"name": "t", "labels": [{"name": "ok"}, {"color": "#000000"}]}
    )
    assert nested.status_code == 400
    assert nested.json() == {"labels": [{}, {"name": ["This field is required."]}]}
    twice = admin.post(
        f"{url}/api/tasks", json={"name": "t", "labels": [{"name": "a"}, {"name": "a"}]}
    )
    assert twice.status_code == 400
    assert twice.json() == ["All label names must be unique"]
    bad_attribute = admin.post(
        f"{url}/api/projects",
        json={"name": "p", "labels": [{"name": "a", "attributes": [{"name": "x"}]}]},
    )
    assert bad_attribute.status_code == 400
    assert set(bad_attribute.json()["labels"][0]["attributes"][0]) == {
        "mutable",
        "input_type",
        "values",
    }
    blank = admin.post(f"{url}/api/projects", json={"name": ""})
    assert blank.status_code == 400
    assert blank.json() == {"name": ["This field may not be blank."]}
    long_name = admin.post(f"{url}/api/projects", json={"name": "x" * 257})
    assert long_name.json() == {"name": ["Ensure this field has no more than 256 characters."]}
    not_json = admin.post(
        f"{url}/api/projects", data=b"{", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 400
    assert "JSON parse error" in not_json.json()["detail"]


def test_patch_updates_fields_and_updated_date(url: str, admin: requests.Session) -> None:
    before = _get(admin, f"{url}/api/tasks/2")
    patched = admin.patch(f"{url}/api/tasks/2", json={"name": "renamed", "assignee_id": 3})
    assert patched.status_code == 200
    body = patched.json()
    assert body["name"] == "renamed"
    assert body["assignee"]["username"] == "user2"
    assert body["assignee_updated_date"] is not None
    assert body["updated_date"] > before["updated_date"]
    jobs = _get(admin, f"{url}/api/jobs", task_id="2")["results"]
    assert jobs and all(job["task_name"] == "renamed" for job in jobs)


def test_renaming_a_project_renames_it_everywhere(url: str, admin: requests.Session) -> None:
    admin.patch(f"{url}/api/projects/1", json={"name": "P1 renamed"})
    tasks = _get(admin, f"{url}/api/tasks", project_id="1", page_size="all")["results"]
    assert tasks and all(task["project_name"] == "P1 renamed" for task in tasks)
    jobs = _get(admin, f"{url}/api/jobs", project_id="1", page_size="all")["results"]
    assert jobs and all(job["project_name"] == "P1 renamed" for job in jobs)


def test_deleting_a_project_deletes_tasks_jobs_labels(url: str, admin: requests.Session) -> None:
    project_id = 1
    tasks = _get(admin, f"{url}/api/tasks", project_id=str(project_id))["results"]
    jobs = _get(admin, f"{url}/api/jobs", project_id=str(project_id))["results"]
    labels = _get(admin, f"{url}/api/labels", project_id=str(project_id))["results"]
    assert tasks and jobs and labels
    assert admin.delete(f"{url}/api/projects/{project_id}").status_code == 204
    assert admin.get(f"{url}/api/projects/{project_id}").status_code == 404
    for task in tasks:
        assert admin.get(f"{url}/api/tasks/{task['id']}").status_code == 404
    for job in jobs:
        assert admin.get(f"{url}/api/jobs/{job['id']}").status_code == 404
    for label in labels:
        assert admin.get(f"{url}/api/labels/{label['id']}").status_code == 404


def test_deleting_a_task_deletes_jobs_labels_issues(url: str, admin: requests.Session) -> None:
    issue = _get(admin, f"{url}/api/issues/4")
    job = _get(admin, f"{url}/api/jobs/{issue['job']}")
    task_id = job["task_id"]
    own_labels = _get(admin, f"{url}/api/labels", task_id=str(task_id))["results"]
    assert admin.delete(f"{url}/api/tasks/{task_id}").status_code == 204
    assert admin.get(f"{url}/api/jobs/{job['id']}").status_code == 404
    assert admin.get(f"{url}/api/issues/4").status_code == 404
    assert _get(admin, f"{url}/api/comments", issue_id="4")["count"] == 0
    for label in own_labels:
        if label.get("task_id") == task_id:
            assert admin.get(f"{url}/api/labels/{label['id']}").status_code == 404


def test_unknown_ids_are_404_with_the_model_name(url: str, admin: requests.Session) -> None:
    for resource, model in (
        ("tasks", "Task"),
        ("projects", "Project"),
        ("jobs", "Job"),
        ("users", "User"),
        ("issues", "Issue"),
        ("comments", "Comment"),
        ("labels", "Label"),
        ("organizations", "Organization"),
        ("memberships", "Membership"),
    ):
        response = admin.get(f"{url}/api/{resource}/99999")
        assert response.status_code == 404
        assert response.json() == {"detail": f"No {model} matches the given query."}
        # not a number: Django's bare Http404 (CVAT 2.64.1, asked)
        response = admin.get(f"{url}/api/{resource}/abc")
        assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


def test_methods_a_resource_lacks_are_405(url: str, admin: requests.Session) -> None:
    put = admin.put(f"{url}/api/tasks/2", json={"name": "x"})
    assert put.status_code == 405
    assert put.json() == {"detail": 'Method "PUT" not allowed.'}
    assert put.headers["Allow"] == "GET, PATCH, DELETE, HEAD, OPTIONS"
    assert admin.post(f"{url}/api/users", json={}).status_code == 405
    assert admin.post(f"{url}/api/memberships", json={}).status_code == 405
    assert admin.post(f"{url}/api/labels", json={}).status_code == 405


def test_paths_are_matched_as_the_real_router_spells_them(
    url: str, admin: requests.Session
) -> None:
    assert admin.get(f"{url}/api/tasks/").status_code == 404
    assert admin.get(f"{url}/api/nothing").status_code == 404
    assert admin.get(f"{url}/api/schema/").status_code == 200
    redirected = admin.get(f"{url}/api/schema", params={"format": "json"}, allow_redirects=False)
    assert redirected.status_code == 301
    assert redirected.headers["Location"] == "/api/schema/?format=json"
    head = admin.head(f"{url}/api/tasks/2")
    assert head.status_code == 200
    assert head.content == b""


def test_actions_declared_with_an_optional_slash_answer_both_spellings(
    url: str, admin: requests.Session
) -> None:
    """``url_path=r'annotations/?$'`` (data, dataset, backup too): no redirect either way."""
    for path in ("/api/tasks/2/annotations", "/api/jobs/2/annotations"):
        for spelling in (path, path + "/"):
            response = admin.get(f"{url}{spelling}", allow_redirects=False)
            assert response.status_code not in (301, 404), (spelling, response.status_code)
    task = admin.post(f"{url}/api/tasks", json={"name": "slashless", "labels": [{"name": "a"}]})
    posted = admin.post(
        f"{url}/api/tasks/{task.json()['id']}/data",
        data={"image_quality": "70", "server_files[0]": "images/image_1.jpg"},
        allow_redirects=False,
    )
    assert posted.status_code == 202, posted.text
    no_file = admin.post(f"{url}/api/projects/backup", allow_redirects=False)
    assert no_file.status_code == 400, no_file.text


def test_jobs_patch_and_ground_truth_jobs(url: str, admin: requests.Session) -> None:
    staged = admin.patch(f"{url}/api/jobs/63", json={"stage": "acceptance", "state": "completed"})
    assert staged.status_code == 200
    assert staged.json()["status"] == "completed"
    assert _get(admin, f"{url}/api/tasks/35")["status"] == "completed"
    assert _get(admin, f"{url}/api/tasks/35")["jobs"]["completed"] == 1
    moved = admin.patch(f"{url}/api/jobs/63", json={"stage": "validation"})
    assert moved.json()["state"] == "new"
    assert _get(admin, f"{url}/api/tasks/35")["jobs"]["validation"] == 1
    assigned = admin.patch(f"{url}/api/jobs/63", json={"assignee": 2})
    assert assigned.json()["assignee"]["username"] == "user1"
    annotation_job = admin.delete(f"{url}/api/jobs/63")
    assert annotation_job.status_code == 400
    assert annotation_job.json() == ["Only ground truth jobs can be removed"]
    gt = admin.post(
        f"{url}/api/jobs",
        json={
            "type": "ground_truth",
            "task_id": 35,
            "frame_selection_method": "manual",
            "frames": [1],
        },
    )
    assert gt.status_code == 201
    assert gt.json()["type"] == "ground_truth"
    assert _get(admin, f"{url}/api/tasks/35")["jobs"]["count"] == 2
    assert admin.delete(f"{url}/api/jobs/{gt.json()['id']}").status_code == 204
    assert _get(admin, f"{url}/api/tasks/35")["jobs"]["count"] == 1


def test_labels_patch_and_delete(url: str, admin: requests.Session) -> None:
    before = _get(admin, f"{url}/api/tasks/2")["updated_date"]
    renamed = admin.patch(f"{url}/api/labels/3", json={"name": "auto"})
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "auto"
    assert _get(admin, f"{url}/api/tasks/2")["updated_date"] > before
    sub = admin.patch(f"{url}/api/labels/19", json={"name": "x"})
    assert sub.status_code == 400
    assert admin.delete(f"{url}/api/labels/18").status_code == 204
    assert admin.get(f"{url}/api/labels/19").status_code == 404
    with_deleted = admin.patch(f"{url}/api/tasks/2", json={"labels": [{"id": 4, "deleted": True}]})
    assert with_deleted.status_code == 200
    assert admin.get(f"{url}/api/labels/4").status_code == 404
    added = admin.patch(f"{url}/api/tasks/2", json={"labels": [{"name": "bus"}]})
    assert added.status_code == 200
    names = [label["name"] for label in _get(admin, f"{url}/api/labels", task_id="2")["results"]]
    assert "bus" in names
    duplicate = admin.patch(f"{url}/api/tasks/2", json={"labels": [{"name": "bus"}]})
    assert duplicate.status_code == 400
    assert duplicate.json() == ["All label names must be unique"]
    unknown = admin.patch(f"{url}/api/tasks/2", json={"labels": [{"id": 99999, "name": "q"}]})
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "Not found label with id #99999 to change"}
    via_label = admin.patch(f"{url}/api/labels/3", json={"deleted": True})
    assert via_label.status_code == 400


def test_issues_and_comments(url: str, admin: requests.Session) -> None:
    issue = admin.post(
        f"{url}/api/issues",
        json={"job": 63, "frame": 0, "position": [1, 2, 3, 4], "message": "first"},
    )
    assert issue.status_code == 201
    body = issue.json()
    assert body["comments"]["count"] == 1
    assert _get(admin, f"{url}/api/jobs/63")["issues"]["count"] == 1
    comments = _get(admin, f"{url}/api/comments", issue_id=str(body["id"]))["results"]
    assert [comment["message"] for comment in comments] == ["first"]
    reply = admin.post(f"{url}/api/comments", json={"issue": body["id"], "message": "second"})
    assert reply.status_code == 201
    assert _get(admin, f"{url}/api/issues/{body['id']}")["comments"]["count"] == 2
    missing = admin.post(f"{url}/api/issues", json={"job": 63})
    assert missing.status_code == 400
    assert set(missing.json()) == {"frame", "position", "message"}


def test_users_serialization_depends_on_who_asks(url: str, as_user: object) -> None:
    user1 = as_user("user1")  # type: ignore[operator]
    me = _get(user1, f"{url}/api/users/self")
    assert "email" in me and "groups" in me
    assert "email" in _get(user1, f"{url}/api/users/2")
    listed = _get(user1, f"{url}/api/users")["results"]
    assert listed and all(
        set(user) == {"url", "id", "username", "first_name", "last_name"} for user in listed
    )
    admin = as_user("admin1")  # type: ignore[operator]
    assert "email" in _get(admin, f"{url}/api/users/3")
    patched = user1.patch(f"{url}/api/users/2", json={"last_name": "Changed"})
    assert patched.status_code == 200
    # CVAT 2.64.1 (asked): the full user comes back to the user who patched themselves
    assert patched.json()["last_name"] == "Changed"
    assert patched.json()["email"] == "user1@cvat.org"
    email = user1.patch(f"{url}/api/users/2", json={"email": "x@y.org"})
    assert (email.status_code, email.json()) == (
        403,
        {"detail": "You do not have permission to perform this action."},
    )
    staff = user1.patch(f"{url}/api/users/2", json={"is_staff": True})
    assert staff.status_code in (400, 403)
    promoted = admin.patch(f"{url}/api/users/2", json={"groups": ["admin"], "email": "a@b.org"})
    assert promoted.status_code == 200
    assert promoted.json()["groups"] == ["admin"]
    assert promoted.json()["email"] == "a@b.org"


def test_organizations_memberships_invitations(url: str, as_user: object) -> None:
    owner = as_user("user9")  # type: ignore[operator]
    unnamed = owner.post(f"{url}/api/organizations", json={"slug": "unnamed"})
    assert unnamed.json()["name"] == "unnamed"
    created = owner.post(f"{url}/api/organizations", json={"slug": "neworg", "name": "New"})
    assert created.status_code == 201
    org = created.json()
    assert org["owner"]["username"] == "user9"
    again = owner.post(f"{url}/api/organizations", json={"slug": "neworg"})
    assert again.status_code == 400
    assert again.json() == {"slug": ["organization with this slug already exists."]}
    members = _get(owner, f"{url}/api/memberships", org="neworg")["results"]
    assert [(m["user"]["username"], m["role"]) for m in members] == [("user9", "owner")]
    invited = owner.post(
        f"{url}/api/invitations",
        json={"email": "user10@cvat.org", "role": "worker"},
        headers={"X-Organization": "neworg"},
    )
    assert invited.status_code == 201
    key = invited.json()["key"]
    assert invited.json()["organization_info"] == {"id": org["id"], "slug": "neworg"}
    twice = owner.post(
        f"{url}/api/invitations",
        json={"email": "user10@cvat.org", "role": "worker"},
        headers={"X-Organization": "neworg"},
    )
    assert twice.status_code == 400
    # ORG_INVITATION_CONFIRM="No" (CVAT's default): an existing user is in at once
    assert invited.json()["expired"] is None
    invitee = as_user("user10")  # type: ignore[operator]
    accepted = invitee.post(f"{url}/api/invitations/{key}/accept")
    assert (accepted.status_code, accepted.json()) == (400, "Your invitation is already accepted.")
    stranger = as_user("user6")  # type: ignore[operator]
    theirs = stranger.post(f"{url}/api/invitations/{key}/accept")
    assert (theirs.status_code, theirs.json()) == (
        404,
        {"detail": "No Invitation matches the given query."},
    )
    resent = owner.post(f"{url}/api/invitations/{key}/resend", headers={"X-Organization": "neworg"})
    assert (resent.status_code, resent.json()) == (400, "This invitation is already accepted.")
    members = _get(owner, f"{url}/api/memberships", org="neworg")["results"]
    assert {m["user"]["username"]: m["is_active"] for m in members} == {
        "user9": True,
        "user10": True,
    }
    project = owner.post(
        f"{url}/api/projects", json={"name": "p"}, headers={"X-Organization": "neworg"}
    ).json()
    assert owner.delete(f"{url}/api/organizations/{org['id']}").status_code == 204
    orphan = owner.get(f"{url}/api/projects/{project['id']}")
    assert orphan.status_code == 200
    assert orphan.json()["organization"] is None
    assert _get(owner, f"{url}/api/invitations", page_size="all")["count"] == 0


def test_ground_truth_job_rules(url: str, admin: requests.Session) -> None:
    def create(**body: object) -> requests.Response:
        return admin.post(f"{url}/api/jobs", json={"type": "ground_truth", **body})

    annotation = admin.post(
        f"{url}/api/jobs",
        json={
            "type": "annotation",
            "task_id": 35,
            "frame_selection_method": "manual",
            "frames": [0],
        },
    )
    assert annotation.json() == ["Unexpected job type 'annotation'"]
    no_data = create(task_id=12, frame_selection_method="manual", frames=[0])
    assert no_data.json() == [
        "This task has no data attached yet. Please set up task data and try again"
    ]
    has_gt = create(task_id=34, frame_selection_method="manual", frames=[0])
    assert has_gt.json() == ['Task with validation mode "gt" cannot have more than 1 GT job']
    missing = create(task_id=35, frame_selection_method="manual")
    assert missing.json() == {"non_field_errors": ['The "frames" field is required']}
    both = create(
        task_id=35, frame_selection_method="random_uniform", frame_count=1, frame_share=0.5
    )
    assert both.json() == {
        "non_field_errors": ['Only 1 of the fields "frame_count", "frame_share" can be used']
    }
    outside = create(task_id=35, frame_selection_method="manual", frames=[0, 7])
    assert outside.json() == ["The following frames do not exist in the task: 7"]
    too_many = create(task_id=35, frame_selection_method="random_uniform", frame_count=5)
    assert too_many.status_code == 400
    made = create(task_id=35, frame_selection_method="random_uniform", frame_count=1, random_seed=1)
    assert made.status_code == 201
    assert made.json()["frame_count"] == 1
    assert _get(admin, f"{url}/api/tasks/35")["validation_mode"] == "gt"
    assert admin.delete(f"{url}/api/jobs/{made.json()['id']}").status_code == 204
    assert _get(admin, f"{url}/api/tasks/35")["validation_mode"] is None
    pool = _get(admin, f"{url}/api/jobs", task_id="33", type="ground_truth")["results"][0]
    refused = admin.delete(f"{url}/api/jobs/{pool['id']}")
    assert refused.json() == ['GT jobs cannot be removed when task validation mode is "gt_pool"']


def test_bodies_must_be_json(url: str, admin: requests.Session) -> None:
    response = admin.post(
        f"{url}/api/projects", data=b"name=x", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert response.json() == {"detail": 'Unsupported media type "text/plain" in request.'}
    form = admin.post(f"{url}/api/projects", data={"name": "from a form"})
    assert form.status_code == 201


def test_item_urls_apply_the_list_filters_first(url: str, admin: requests.Session) -> None:
    """DRF's get_object filters the queryset before its lookup: retrieve/update/delete."""
    task = _get(admin, f"{url}/api/tasks/2")
    owner = task["owner"]["username"]
    assert admin.get(f"{url}/api/tasks/2", params={"owner": owner}).status_code == 200
    missed = admin.get(f"{url}/api/tasks/2", params={"owner": "nobody"})
    assert (missed.status_code, missed.json()) == (
        404,
        {"detail": "No Task matches the given query."},
    )
    bad = admin.patch(f"{url}/api/tasks/2", params={"filter": "nope"}, json={"name": "x"})
    listed = admin.get(f"{url}/api/tasks", params={"filter": "nope"})
    assert bad.status_code == listed.status_code == 400
    assert bad.json() == listed.json()
    kept = admin.delete(f"{url}/api/jobs/2", params={"filter": '{"==":[{"var":"id"},3]}'})
    assert kept.status_code == 404
    assert admin.get(f"{url}/api/jobs/2").status_code == 200
    assert _get(admin, f"{url}/api/tasks/2")["name"] == task["name"]


def test_moving_tasks_and_projects_between_workspaces(url: str, as_user: object) -> None:
    """OrgTransferableMixin: new owner = the mover, assignees cleared, children follow."""
    user1 = as_user("user1")  # type: ignore[operator]
    refused = user1.patch(f"{url}/api/tasks/31", json={"organization_id": 1, "name": "x"})
    assert (refused.status_code, refused.json()) == (
        400,
        {
            "non_field_errors": [
                "Fields {'name'} cannot be updated when transferring to another workspace"
            ]
        },
    )
    moved = user1.patch(f"{url}/api/tasks/31", json={"organization_id": 1})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["organization"], moved.json()["owner"]["username"]) == (1, "user1")
    assert user1.get(f"{url}/api/tasks/31", params={"org": "org1"}).status_code == 200
    for job in _get(user1, f"{url}/api/jobs", task_id="31", org="org1")["results"]:
        assert job["organization"] == 1
        assert job["assignee"] is None
    org1 = {"X-Organization": "org1"}
    project = user1.post(
        f"{url}/api/projects", json={"name": "mover", "assignee_id": 2}, headers=org1
    ).json()
    task = user1.post(
        f"{url}/api/tasks",
        json={"name": "inside", "project_id": project["id"]},
        headers=org1,
    ).json()
    inside = user1.patch(f"{url}/api/tasks/{task['id']}", json={"organization_id": None})
    assert inside.status_code == 400
    home = user1.patch(f"{url}/api/projects/{project['id']}", json={"organization_id": None})
    assert home.status_code == 200, home.text
    assert (home.json()["organization"], home.json()["assignee"]) == (None, None)
    assert home.json()["assignee_updated_date"] is not None
    assert _get(user1, f"{url}/api/tasks/{task['id']}")["organization"] is None
    elsewhere = (
        as_user("user9")
        .post(  # type: ignore[operator]
            f"{url}/api/organizations", json={"slug": "elsewhere"}
        )
        .json()
    )
    user10 = as_user("user10")  # type: ignore[operator]
    own = user10.post(f"{url}/api/tasks", json={"name": "mine", "labels": [{"name": "a"}]}).json()
    move = {"organization_id": elsewhere["id"]}
    foreign = user10.patch(f"{url}/api/tasks/{own['id']}", json=move)
    assert foreign.status_code == 403  # no "create" right in an organization of others


def test_unassigning_stamps_assignee_updated_date(url: str, admin: requests.Session) -> None:
    """``update_assignee`` stamps every change of assignee, to nobody included."""
    project = admin.post(f"{url}/api/projects", json={"name": "assignable"}).json()
    job = _get(admin, f"{url}/api/jobs", page_size="1")["results"][0]
    for path, field in (
        (f"/api/projects/{project['id']}", "assignee_id"),
        (f"/api/jobs/{job['id']}", "assignee"),
    ):
        assert admin.patch(f"{url}{path}", json={field: 1}).status_code == 200
        cleared = admin.patch(f"{url}{path}", json={field: None}).json()
        assert cleared["assignee"] is None
        assert cleared["assignee_updated_date"] is not None
