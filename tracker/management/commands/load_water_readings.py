"""Load monthly section readings from a CSV or Excel file: the whole file or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.common.tabular import TableError
from tracker.services.water import water_readings_import_table


class Command(BaseCommand):
    help = "导入水质断面月度监测数据（CSV 或 Excel）；任何一行有误则不写入"

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV 或 .xlsx 文件路径")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")

        class _Upload:
            name = path.name
            size = path.stat().st_size

            def read(self):
                return path.read_bytes()

        try:
            count = water_readings_import_table(upload=_Upload())
        except TableError as exc:
            for error in exc.errors[:100]:
                self.stderr.write(str(error))
            raise CommandError(f"共 {len(exc.errors)} 处错误，未写入任何数据。") from exc
        self.stdout.write(self.style.SUCCESS(f"已导入 {count} 条断面月度监测数据。"))
