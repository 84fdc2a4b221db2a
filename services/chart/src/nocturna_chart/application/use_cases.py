"""The use cases the chart entrypoints may call."""

from __future__ import annotations

from dataclasses import dataclass

from nocturna_chart.application.create_chart import CreateChartHandler
from nocturna_chart.application.edit_chart import DeleteChartHandler, EditChartHandler
from nocturna_chart.application.erase_user_batches import EraseUserBatchesHandler
from nocturna_chart.application.erase_user_charts import EraseUserChartsHandler
from nocturna_chart.application.project_entitlements import GetEntitlementsHandler, ProjectEntitlementsHandler
from nocturna_chart.application.read_batch import GetBatchHandler
from nocturna_chart.application.read_charts import GetChartHandler, ListChartsHandler
from nocturna_chart.application.reseal_charts import ResealChartsHandler
from nocturna_chart.application.returns import ReturnsHandler
from nocturna_chart.application.run_batch import RunBatchHandler
from nocturna_chart.application.submit_batch import SubmitBatchHandler
from nocturna_chart.application.synastry import SynastryHandler
from nocturna_chart.application.transits import TransitsHandler


@dataclass(frozen=True)
class ChartUseCases:
    project_entitlements: ProjectEntitlementsHandler
    get_entitlements: GetEntitlementsHandler
    create_chart: CreateChartHandler
    get_chart: GetChartHandler
    list_charts: ListChartsHandler
    edit_chart: EditChartHandler
    delete_chart: DeleteChartHandler
    erase_user_charts: EraseUserChartsHandler
    transits: TransitsHandler
    synastry: SynastryHandler
    reseal_charts: ResealChartsHandler
    returns: ReturnsHandler
    submit_batch: SubmitBatchHandler
    run_batch: RunBatchHandler
    get_batch: GetBatchHandler
    erase_user_batches: EraseUserBatchesHandler
