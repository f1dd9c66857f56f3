from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from tracker.common.tabular import TableError
from tracker.services.air import air_readings_import_table


class Command(BaseCommand):
    help = "导入空气日数据文件（.xlsx 或 .csv），如：load_air_readings 2026年1月.xlsx。整份校验，有错不写入。"

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        with path.open("rb") as fh:
            try:
                result = air_readings_import_table(upload=File(fh, name=path.name))
            except TableError as exc:
                for error in exc.errors:
                    self.stderr.write(str(error))
                raise CommandError(f"文件有误（{len(exc.errors)} 处），未导入任何数据。") from exc
        self.stdout.write(
            f"已导入 {result.rows} 条日数据：{result.stations} 个站点，{result.first_date} 至 {result.last_date}。"
        )
