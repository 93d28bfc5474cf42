import pytest

from apps.evaluations.models import Scheme

pytestmark = pytest.mark.django_db


def test_the_six_reference_schemes_ship_with_criteria_and_bands():
    names = set(Scheme.objects.values_list("name", flat=True))
    assert {
        "年度考核",
        "战时干部考察考核",
        "党小组量化评比",
        "6+1考评体系",
        "标准化规范化建设",
        "满意率",
    } <= names
    annual = Scheme.objects.get(code="annual")
    assert list(annual.bands.values_list("label", flat=True)) == ["优秀", "称职", "基本称职", "不称职"]
    assert annual.criteria.count() == 5
    standard = Scheme.objects.get(code="standardisation")
    assert standard.criteria.filter(parent__isnull=False).count() == 6


def test_the_wartime_assessment_weights_secretaries_double():
    weights = dict(Scheme.objects.get(code="wartime").evaluator_roles.values_list("role__code", "weight"))
    assert weights == {"secretary": 2, "hq_admin": 1, "unit_admin": 1}
