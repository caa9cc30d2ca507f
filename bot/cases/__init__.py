"""Cases: what residents file (complaints, help requests, questions for a person) and how staff handle them.

vocabulary   types, categories, statuses, roles and their Chinese labels
models       the tables (departments, staff, routing rules, cases, events, ratings, staff notices)
errors       domain exceptions (NotFound, TransitionNotAllowed, Conflict, InvalidInput)
actors       who acts: a staff user, the resident, the system
scope        which cases a staff user may see (the discipline wall)
numbers      case numbers such as AJ-2026-000123
phones       phone validation and masking
workdays     China's official working-day calendar, Beijing time
deadlines    签收 / 告知 / 办结 deadlines from the parameter file
transitions  the state machine: which action, from which status, by whom
handling     what each action does to a case (authorise, change, event, notify)
routing      category × district → department; the discipline wall
events       the append-only history; public events write an outbox row to the resident
resident_texts  what residents are told when their case changes
intake       creating a case
resident_desk   the dialogue core's view of cases: file, read for 查进度, rate
staff        staff accounts and the viewer a service call acts for
passwords    argon2 hashing
queries      scoped lists, search and case pages for staff
service      CaseService: the staff-facing API (the dashboard builds on it)
scheduler    reminders, escalation (督办) and the daily digest
department_digest  each robot-connected department's line of the daily digest
demo         seed data for `python -m bot demo`
cli          `python -m bot staff add`, `demo`, `routing load`
"""
