"""POST /imports: a department system or script sends a file; the answer is the counts, or 400 with every
problem as {"path": "第3行.身份证号码", "message": ...}. Mounted by config/api.py."""

from ninja import File, Router, Schema
from ninja.files import UploadedFile

from jiuzhu.core.errors import DomainError
from jiuzhu.core.schemas import ErrorOut
from jiuzhu.registry import imports

router = Router(tags=["批量导入"])

MAX_ERRORS = 1000  # a file with a systematic problem can have one per row; the first thousand say enough


class ImportOut(Schema):
    status: str  # imported | already_imported
    message: str
    batch_id: int
    households: int
    persons: int


@router.post("/imports", response={200: ImportOut, 400: ErrorOut}, summary="导入家庭和成员（Excel/CSV）")
def import_upload(request, file: UploadedFile = File(...)):
    result = imports.import_file(file, file.name or "upload", actor=request.auth)
    if not result.ok:
        errors = result.errors.as_api_errors()
        message = result.message
        if len(errors) > MAX_ERRORS:
            message += f"（共 {len(errors)} 处，此处列出前 {MAX_ERRORS} 处）"
        raise DomainError(message, code="validation_error", errors=errors[:MAX_ERRORS])
    return ImportOut(status=result.status, message=result.message, batch_id=result.batch.pk,
                     households=result.households, persons=result.persons)
