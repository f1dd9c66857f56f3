"""`manage.py prune_runs [--keep-days N] [--dry-run]`: delete the scoring runs nobody can need (runs_prune)."""

from django.core.management.base import BaseCommand

from targets.services import runs_prune


class Command(BaseCommand):
    help = "删除不再需要的计分批次（已被替代、失败或非月末的旧批次）及其得分明细；已发布和月末批次保留。"

    def add_arguments(self, parser):
        parser.add_argument("--keep-days", type=int, default=60, help="最近多少天内的批次一律保留（默认 60）")
        parser.add_argument("--dry-run", action="store_true", help="只统计将删除的数量，不删除")

    def handle(self, *args, keep_days: int, dry_run: bool, **options):
        if keep_days < 1:
            self.stderr.write("--keep-days 至少为 1。")
            raise SystemExit(2)
        counts = runs_prune(keep_days=keep_days, dry_run=dry_run)
        verb = "将删除" if dry_run else "已删除"
        self.stdout.write(
            f"{verb} {counts['runs']} 个计分批次，{counts['snapshots']} 条得分明细，{counts['totals']} 条单位总分。"
        )
