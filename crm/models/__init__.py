from crm.models.api_key import ApiKey
from crm.models.company import Company
from crm.models.custom_record import CustomRecord
from crm.models.live_record_count import LiveRecordCount
from crm.models.metadata import FieldMetadata, FieldType, ObjectMetadata
from crm.models.note import Note, NoteTarget
from crm.models.opportunity import Opportunity
from crm.models.person import Person
from crm.models.task import Task, TaskTarget
from crm.models.user import User
from crm.models.workspace import Workspace, WorkspaceMember

__all__ = [
    "ApiKey",
    "Company",
    "CustomRecord",
    "FieldMetadata",
    "FieldType",
    "LiveRecordCount",
    "Note",
    "NoteTarget",
    "ObjectMetadata",
    "Opportunity",
    "Person",
    "Task",
    "TaskTarget",
    "User",
    "Workspace",
    "WorkspaceMember",
]
