from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "把 backup 生成的备份恢复到当前配置的【空】数据库和空文件存储，并按清单核对行数与文件校验和。"
        "见 docs/operations.md。"
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="backup 生成的备份文件夹")

    def handle(self, *args, folder, **options):
        try:
            result = backup_restore(folder=folder)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"恢复完成并已核对：{result['tables']} 张表、{result['rows']} 行，{result['files']} 个文件与备份一致。"
        )
