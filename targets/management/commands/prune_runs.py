"""`manage.py prune_runs [--keep-days N] [--dry-run]`: what the weekly task does — make the snapshots' yearly
partitions of this year and the next (targets.partitions), then delete the scoring runs nobody can need (runs_prune).
"""

from django.core.management.base import BaseCommand

from targets.partitions import snapshot_partitions_ahead, yearly_partitions, years_in_default
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
        if not dry_run:
            created = snapshot_partitions_ahead()
            if created:
                self.stdout.write(f"已建得分明细年度分区：{'、'.join(str(y) for y in created)}。")
        years, stray = yearly_partitions(), years_in_default()
        if years:
            self.stdout.write(f"得分明细年度分区：{'、'.join(str(y) for y in years)}。")
        if stray:  # the table was busy (lock timeout) or this is a dry run: the next run moves them
            self.stdout.write(f"默认分区中有 {'、'.join(str(y) for y in stray)} 年的得分明细（尚无年度分区）。")
        counts = runs_prune(keep_days=keep_days, dry_run=dry_run)
        verb = "将删除" if dry_run else "已删除"
        self.stdout.write(
            f"{verb} {counts['runs']} 个计分批次，{counts['snapshots']} 条得分明细，{counts['totals']} 条单位总分。"
        )
