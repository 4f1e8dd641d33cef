from django.urls import path

from . import participation, views

app_name = "stats-api"

urlpatterns = [
    path("overview/", views.OverviewView.as_view(), name="overview"),
    path("reforms/", views.ReformBreakdownView.as_view(), name="reforms"),
    path("units/", views.UnitBreakdownView.as_view(), name="units"),
    path("cities/", views.CityBreakdownView.as_view(), name="cities"),
    path("cities/participation/", participation.CityParticipationView.as_view(), name="city-participation"),
    path("units/contributions/", participation.UnitContributionsView.as_view(), name="unit-contributions"),
    path("batches/", views.BatchBreakdownView.as_view(), name="batches"),
    path("categories/", views.CategoryBreakdownView.as_view(), name="categories"),
    path("scopes/", views.ScopeBreakdownView.as_view(), name="scopes"),
    path("matrix/", views.MatrixView.as_view(), name="matrix"),
    path("trend/", views.TrendView.as_view(), name="trend"),
    path("missing-reports/", views.MissingReportsView.as_view(), name="missing-reports"),
    path("ledger.xlsx", views.LedgerXlsxView.as_view(), name="ledger-xlsx"),
    path("ledger.csv", views.LedgerCsvView.as_view(), name="ledger-csv"),
]
