"""`lhl demo` on a fresh folder: offline, quick, and it leaves a database the other commands open."""

from __future__ import annotations

import time

from lhl.cli import app

from lhl_mining.store import Store


def test_demo_scrapes_tags_and_reports_offline(runner, tmp_path):
    folder = tmp_path / "demo"
    started = time.monotonic()
    result = runner.invoke(app, ["demo", "--dir", str(folder)])
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert elapsed < 60
    output = result.output
    assert "lhl sources discover --county Innlandet --kommune 3446" in output  # Gran: no known source
    assert f"Database: {folder / 'lhl.db'}" in output and (folder / "report.html").exists()
    with Store.open(folder / "lhl.db", readonly=True) as store:
        counts = store.status_counts()
        platforms = dict(store.db.execute("SELECT platform, count(*) FROM documents GROUP BY platform").fetchall())
        reform = store.db.execute(
            "SELECT count(DISTINCT passage_id) FROM suggestions WHERE code = 'reform' AND selected AND current"
        ).fetchone()[0]
        coverage = dict(store.db.execute("SELECT knr, status FROM scrape_coverage").fetchall())
        nynorsk = store.db.execute(
            "SELECT count(*) FROM document_texts WHERE text LIKE '%Leve heile livet%'"
        ).fetchone()[0]
    assert counts["documents"] == {"extracted": 15}
    assert coverage == {
        "3413": "partial",
        "3415": "partial",
        "3417": "partial",
        "3421": "ok",
        "3446": "gap",
        "3447": "ok",
        "3449": "ok",
    }
    assert platforms == {
        "elements": 5,
        "acos_classic": 3,
        "acos_nye_innsyn": 2,
        "opengov360": 2,
        "framsikt": 1,
        "website": 2,
    }
    assert counts["passages"] > 40 and counts["suggestions"] > 0
    assert reform >= 10 and nynorsk == 2

    again = runner.invoke(app, ["demo", "--dir", str(folder)])  # a re-run finds everything stored
    assert again.exit_code == 0, again.output
    with Store.open(folder / "lhl.db", readonly=True) as store:
        assert store.status_counts()["documents"] == {"extracted": 15}
    status = runner.invoke(app, ["--db", str(folder / "lhl.db"), "status"])
    assert status.exit_code == 0 and "passages" in status.output


def test_demo_urls_do_not_depend_on_the_port_the_replay_server_got(tmp_path):
    """The replay server takes any free port; stored URLs name the fixed demo host, so re-runs match (provenance, dedup)."""
    from lhl_mining.demo import DEMO_BASE, run_demo

    urls = []
    for name in ("one", "two"):
        result = run_demo(tmp_path / name, tag=False, report=False)
        with Store.open(result.db_path, readonly=True) as store:
            urls.append(sorted(r[0] for r in store.db.execute("SELECT url FROM documents")))
    assert urls[0] == urls[1] and len(urls[0]) >= 10
    assert all(url.startswith(DEMO_BASE + "/") for url in urls[0])
