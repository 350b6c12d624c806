import uuid

from django.db import models

from crm.models.json_field import OrjsonJSONField
from crm.models.workspace import Workspace


class FieldType(models.TextChoices):
    UUID = "UUID"
    TEXT = "TEXT"
    NUMBER = "NUMBER"
    BOOLEAN = "BOOLEAN"
    DATE_TIME = "DATE_TIME"
    DATE = "DATE"
    SELECT = "SELECT"
    MULTI_SELECT = "MULTI_SELECT"
    # A SELECT of five fixed options, RATING_1 to RATING_5, as in Twenty.
    RATING = "RATING"
    POSITION = "POSITION"
    CURRENCY = "CURRENCY"
    LINKS = "LINKS"
    EMAILS = "EMAILS"
    PHONES = "PHONES"
    FULL_NAME = "FULL_NAME"
    ADDRESS = "ADDRESS"
    ACTOR = "ACTOR"
    RICH_TEXT_V2 = "RICH_TEXT_V2"
    RELATION = "RELATION"


class ObjectMetadata(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="objects_metadata")
    name_singular = models.CharField(max_length=63)
    name_plural = models.CharField(max_length=63)
    label_singular = models.CharField(max_length=63)
    label_plural = models.CharField(max_length=63)
    description = models.TextField(blank=True)
    icon = models.CharField(max_length=63, blank=True)
    is_custom = models.BooleanField(default=False)
    # An inactive (custom) object keeps its records but leaves every API until reactivated.
    is_active = models.BooleanField(default=True)
    # The fields that name a record and picture it, as Twenty's clients set them; without
    # one, a record is named by its name or title field.
    label_identifier_field = models.ForeignKey(
        "FieldMetadata", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    image_identifier_field = models.ForeignKey(
        "FieldMetadata", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name_singular"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name_singular"], name="unique_object_singular"),
            models.UniqueConstraint(fields=["workspace", "name_plural"], name="unique_object_plural"),
        ]

    def __str__(self) -> str:
        return self.name_singular


class FieldMetadata(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="fields_metadata")
    object = models.ForeignKey(ObjectMetadata, on_delete=models.CASCADE, related_name="fields")
    name = models.CharField(max_length=63)
    label = models.CharField(max_length=63)
    description = models.TextField(blank=True)
    type = models.CharField(max_length=20, choices=FieldType.choices)
    icon = models.CharField(max_length=63, blank=True)
    is_custom = models.BooleanField(default=False)
    # System fields (id, createdAt, ...) are maintained by the record service.
    is_system = models.BooleanField(default=False)
    is_nullable = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    # SELECT / MULTI_SELECT: [{"id", "value", "label", "color", "position"}].
    options = OrjsonJSONField(null=True, blank=True)
    # Type-specific settings: relation target and kind, number data type, max length.
    settings = OrjsonJSONField(default=dict, blank=True)
    default_value = OrjsonJSONField(null=True, blank=True)
    position = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["object", "name"], name="unique_field_name_per_object")]

    def __str__(self) -> str:
        return f"{self.object.name_singular}.{self.name}"
