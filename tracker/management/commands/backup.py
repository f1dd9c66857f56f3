from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.backup import BackupError, backup_create, default_backup_dir


class Command(BaseCommand):
    help = "备份数据库与上传文件（先数据库、后文件，附清单），写入一个新文件夹。见 docs/operations.md。"

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=None, help="备份存放目录（默认 BACKUP_DIR）")

    def handle(self, *args, output, **options):
        try:
            result = backup_create(output_dir=output or default_backup_dir())
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"备份完成：{result.folder}（{result.tables} 张表、{result.rows} 行，{result.files} 个文件）")
