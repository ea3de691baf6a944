#!/usr/bin/env python3
"""Turns one load-benchmark run directory (written by run.sh) into the markdown report."""
import csv
import statistics
import sys
from pathlib import Path

LABELS = {
    "hot": "hot tile (one IIIF tile, JPEG q85 YCbCr TIFF)",
    "cold_q85": "cold IIIF tiles, JPEG q85 YCbCr TIFF",
    "cold_q90rgb": "cold IIIF tiles, JPEG q90 RGB TIFF",
    "cold_deflate": "cold IIIF tiles, deflate TIFF",
    "jtl_q85": "cold IIP JTL tiles, JPEG q85 YCbCr TIFF",
    "region": "region export (random x,y,{r},{r}/{o},)",
    "info": "info.json",
    "jp2": "cold IIIF tiles, JPEG2000",
    "grey16": "cold IIIF tiles, 16-bit grey deflate TIFF",
}
# Floors per cold workload: the least codec work one tile needs (names from codec_floor).
FLOORS = [
    ("cold_q85", "pass-through (read + assemble the stored JPEG)", ["passthrough_read_assemble"]),
    ("cold_q85", "JPEG decode + JPEG encode (no pass-through)", ["tiff_jpeg_ycbcr_decode", "encode"]),
    ("jtl_q85", "pass-through (read + assemble the stored JPEG)", ["passthrough_read_assemble"]),
    ("cold_deflate", "deflate decode + JPEG encode", ["tiff_deflate_decode", "encode"]),
    ("cold_q90rgb", "RGB JPEG decode + JPEG encode", ["tiff_jpeg_rgb_decode", "encode"]),
    ("jp2", "OpenJPEG open + header + decode one tile, JPEG encode",
     ["openjpeg_open_decode_tile", "encode"]),
]
# Targets of the performance issue: minimum req/s ratio Tessera/iipsrv per workload.
TARGET_RATIO = {"hot": 4, "cold_q85": 3, "jtl_q85": 3, "cold_deflate": 2, "region": 2, "jp2": 2}


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def fmt(x, digits=0):
    if x is None:
        return "–"
    return f"{x:,.{digits}f}".replace(",", " ")


def main():
    run = Path(sys.argv[1])
    meta = dict(
        line.split("=", 1) for line in (run / "meta.env").read_text().splitlines() if "=" in line)
    clk = float(meta["clk_tck"])
    rows = read_tsv(run / "results.tsv")
    floors = {}
    for line in (run / "floor.txt").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "floor" and parts[2].startswith("cpu_us="):
            key = "encode" if parts[1].startswith("turbojpeg_encode") else parts[1]
            floors[key] = (parts[1], float(parts[2].split("=")[1]))

    for r in rows:
        n = int(r["requests"])
        dur = int(r["duration_us"]) / 1e6 or 1e-9
        r["rps"] = n / dur
        r["cpu_us"] = int(r["server_ticks"]) / clk * 1e6 / n if n else None
        wrk_s = float(r["wrk_user_s"] or 0) + float(r["wrk_sys_s"] or 0)
        r["wrk_pct"] = 100 * wrk_s / dur
        r["server_pct"] = 100 * int(r["server_ticks"]) / clk / dur
        # Machine ticks cover wrk's whole life, which lasts its -d even when a walk ended early.
        wall = max(int(r.get("wrk_duration_us") or 0) / 1e6, dur)
        others = int(r["machine_ticks"]) / clk - int(r["server_ticks"]) / clk - wrk_s
        r["others_pct"] = max(0.0, 100 * others / wall)
        r["anon_kb"] = int(r.get("anon_peak_kb") or 0)
        r["p50_us_f"], r["p99_us_f"] = float(r["p50_us"]), float(r["p99_us"])
        r["ok"] = not r["note"] and n > 0

    workloads = list(dict.fromkeys(r["workload"] for r in rows))

    def med(w, srv, key):
        vals = [r[key] for r in rows if r["workload"] == w and r["server"] == srv and r["ok"]
                and r[key] is not None]
        return statistics.median(vals) if vals else None

    def ratio(a, b):
        return a / b if a and b else None

    out = []
    p = out.append
    region = meta.get("region", "4000")
    p(f"# Load benchmark: Tessera vs iipsrv {meta['iipsrv_version']}\n")
    p(f"- Date: {meta['date']}; run took {meta.get('run_minutes', '?')} min")
    p(f"- Machine: {meta['cpu']}, {meta['cores']} cores, {meta['memory_gib']} GiB; "
      f"{meta['os']}, kernel {meta['kernel']}")
    p(f"- Load average at start / end: {meta['loadavg_start']} / {meta.get('loadavg_end', '?')}")
    p(f"- Tessera commit {meta['tessera_commit']} ({meta.get('build_type', '?')} build); iipsrv {meta['iipsrv_version']} (Debian "
      f"iipimage-server, FastCGI, 2 processes behind {meta['lighttpd_version']}); wrk "
      f"{meta['wrk_version']}")
    p(f"- Settings (both servers): JPEG quality {meta['jpeg_quality']}, tile cache "
      f"{meta['cache_mb']} MB (MAX_IMAGE_CACHE_SIZE; iipsrv's is per process, so 2 × "
      f"{meta['cache_mb']} MB), MAX_CVT {meta['max_cvt']}, resampling "
      f"{meta.get('interpolation', '?')}; Tessera with its defaults otherwise "
      f"(I/O threads and workers = cores, IIIF 2 info.json like iipsrv 1.1), access logs off.")
    p(f"- Load: wrk, {meta['connections']} connections, {meta['wrk_threads']} threads, "
      f"{meta['seconds']} s per run ({2 * int(meta['seconds'])} s for region export), "
      f"{meta['reps']} runs per server alternating Tessera, iipsrv, Tessera, iipsrv; "
      "each run on freshly started servers.")
    if meta["wrk_cpus"] or meta["server_cpus"]:
        share = (f"pinned with taskset: wrk on CPUs {meta['wrk_cpus'] or 'any'}, the server "
                 f"under test on CPUs {meta['server_cpus'] or 'any'}.")
    else:
        share = ("not pinned: wrk and the server under test share both cores under the Linux "
                 "scheduler; only one server runs at a time (the other is stopped).")
    wrk_pcts = [r["wrk_pct"] for r in rows if r["ok"]]
    if wrk_pcts:
        share += (f" wrk itself used {min(wrk_pcts):.0f}–{max(wrk_pcts):.0f} % of one core "
                  "(column 'wrk %' below).")
    p(f"- Cores: {share}")
    p(f"- Resampling (region export): both servers {meta.get('interpolation', '?')}; Tessera's own "
      "default is high-quality, Lanczos-3 (`BENCH_INTERPOLATION=high-quality` measures it).")
    if meta.get("tessera_args"):
        p(f"- Extra Tessera flags: `{meta['tessera_args']}`")
    p("- Region export runs start and end with up to 64 requests of seconds each in flight, so "
      "their req/s is biased low by about latency ÷ duration for both servers; CPU/request is "
      "not.")
    p(f"- Page cache: {meta['page_cache']}.")
    p("- Cold: each cold run starts a fresh server (empty caches) and walks a seeded random "
      "permutation of every tile of the full-resolution level, each tile once (wrk stops a "
      "thread when its share is used up, or at the run's duration), so no request can hit a "
      "tile cache. Before timing, each server answered info.json for the image (file opened).")
    p("- Numbers per server are the median of its runs (with 2 runs, their mean); runs with "
      "errors are left out of the medians. CPU/request = server CPU time (utime + stime from "
      "/proc/PID/stat: Tessera's process; lighttpd + both iipsrv) during the run ÷ requests.")
    p("")
    p("## Images\n")
    p("| file | made as | size | generation time |")
    p("|---|---|---|---|")
    for g in csv.reader(open(run / "gen-times.tsv"), delimiter="\t"):
        if len(g) == 4:
            p(f"| {g[0]} | {g[1]} | {fmt(int(g[3]) / 2**20, 1)} MiB | {g[2]} s |")
    p(f"\nRGB images are {meta['width']}×{meta['height']}, 256×256 tiles, full pyramids (vips); "
      f"16-bit grey {meta['grey_size']}; JPEG2000 {meta['jp2_size']} (OpenJPEG, 256×256 tiles, 6 "
      "resolutions, 9/7 at 10:1). Generated once and reused (stamp file).\n")

    p("## Results (median per server)\n")
    p("| workload | req/s Tessera | req/s iipsrv | ratio | p50 ms T / I | p99 ms T / I | "
      "CPU µs/req T / I | Tessera peak heap / RSS | notes |")
    p("|---|---|---|---|---|---|---|---|---|")
    summary = {}
    for w in workloads:
        t, i = med(w, "tessera", "rps"), med(w, "iipsrv", "rps")
        p50 = (med(w, "tessera", "p50_us_f"), med(w, "iipsrv", "p50_us_f"))
        p99 = (med(w, "tessera", "p99_us_f"), med(w, "iipsrv", "p99_us_f"))
        cpu = (med(w, "tessera", "cpu_us"), med(w, "iipsrv", "cpu_us"))
        mine = [r for r in rows if r["workload"] == w and r["server"] == "tessera"]
        peak = max([int(r["rss_peak_kb"]) for r in mine] or [0])
        anon = max([r["anon_kb"] for r in mine] or [0])
        notes = sorted({r["note"] for r in rows if r["workload"] == w and r["note"]})
        summary[w] = dict(t=t, i=i, p99=p99, cpu=cpu, peak=peak, anon=anon)
        label = LABELS.get(w, w).format(r=region, o=meta.get("region_out", "1024"))
        ms = lambda x: fmt(x / 1000, 1) if x is not None else "–"  # noqa: E731
        p(f"| {label} | {fmt(t)} | {fmt(i)} | {fmt(ratio(t, i), 2)}× | {ms(p50[0])} / "
          f"{ms(p50[1])} | {ms(p99[0])} / {ms(p99[1])} | {fmt(cpu[0])} / {fmt(cpu[1])} | "
          f"{fmt(anon / 1024)} / {fmt(peak / 1024)} MB | {'; '.join(notes) or ''} |")

    p("\n## Against the issue's targets (indicative: judge on a quiet machine)\n")
    p("| workload | target | measured | met |")
    p("|---|---|---|---|")
    for w in workloads:
        s = summary[w]
        rr = ratio(s["t"], s["i"])
        if w in TARGET_RATIO:
            p(f"| {w} | req/s ≥ {TARGET_RATIO[w]}× iipsrv | {fmt(rr, 2)}× | "
              f"{'yes' if rr and rr >= TARGET_RATIO[w] else 'no'} |")
        if w == "cold_q85" and s["cpu"][0] is not None:
            p(f"| {w} | CPU/request < 60 µs | {fmt(s['cpu'][0])} µs | "
              f"{'yes' if s['cpu'][0] < 60 else 'no'} |")
        if w == "cold_deflate" and s["cpu"][0] is not None and "encode" in floors \
                and "tiff_deflate_decode" in floors:
            fl = floors["tiff_deflate_decode"][1] + floors["encode"][1]
            p(f"| {w} | CPU/request ≤ 1.15 × floor ({fmt(fl)} µs) | {fmt(s['cpu'][0])} µs "
              f"({fmt(s['cpu'][0] / fl, 2)}×) | {'yes' if s['cpu'][0] <= 1.15 * fl else 'no'} |")
        t99, i99 = s["p99"]
        if t99 is not None and i99 is not None:
            p(f"| {w} | p99 below iipsrv's | {fmt(t99 / 1000, 1)} vs {fmt(i99 / 1000, 1)} ms | "
              f"{'yes' if t99 < i99 else 'no'} |")
    peaks = {w: s["anon"] for w, s in summary.items() if s["anon"]}
    if peaks:
        top = max(peaks, key=peaks.get)
        p(f"| all | memory ≤ cache budget ({meta['cache_mb']} MB) + fixed overhead | "
          f"largest heap peak {fmt(peaks[top] / 1024)} MB ({top}) | judge from the per-workload "
          "peaks |")
    p("\nTessera's memory: 'heap' is the peak anonymous RSS (RssAnon sampled every 0.5 s: caches, "
      "buffers, stacks); 'RSS' is VmHWM, which also counts the pages of image files that libtiff "
      "maps into memory (page cache shared with the OS, not the server's own allocation).")

    p("\n## Codec floor per 256×256 tile (this machine, thread CPU time, median)\n")
    p("| step | µs |")
    p("|---|---|")
    for key, (name, us) in floors.items():
        p(f"| {name} | {fmt(us, 1)} |")
    p("\n| workload | floor | floor µs | Tessera CPU µs/req | × floor | iipsrv CPU µs/req |")
    p("|---|---|---|---|---|---|")
    for w, label, keys in FLOORS:
        if w not in summary or not all(k in floors for k in keys):
            continue
        fl = sum(floors[k][1] for k in keys)
        t_cpu, i_cpu = summary[w]["cpu"]
        p(f"| {w} | {label} | {fmt(fl, 1)} | {fmt(t_cpu)} | "
          f"{fmt(t_cpu / fl, 2) if t_cpu else '–'} | {fmt(i_cpu)} |")

    p("\n## Every run\n")
    p("| workload | run | server | requests | req/s | p50 ms | p99 ms | CPU µs/req | "
      "server CPU % | wrk % | others % | heap / RSS peak MB | KB/resp | non-2xx | socket err | note |")
    p("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        n = int(r["requests"])
        p(f"| {r['workload']} | {r['rep']} | {r['server']} | {n} | {fmt(r['rps'])} | "
          f"{fmt(int(r['p50_us']) / 1000, 1)} | {fmt(int(r['p99_us']) / 1000, 1)} | "
          f"{fmt(r['cpu_us'])} | {fmt(r['server_pct'])} | {fmt(r['wrk_pct'])} | "
          f"{fmt(r['others_pct'])} | "
          f"{fmt(r['anon_kb'] / 1024) if r['anon_kb'] else '–'} / {fmt(int(r['rss_peak_kb']) / 1024)} | "
          f"{fmt(int(r['bytes']) / n / 1024, 1) if n else '–'} | {r['err_status']} | "
          f"{r['err_socket']} | {r['note']} |")
    p("\n'server CPU %' and 'wrk %' are over the run's duration, 'others %' (CPU used by "
      "everything else on the machine, in % of one core: a busy machine shows here) over wrk's "
      "whole life. iipsrv's RSS peak is lighttpd + both iipsrv summed (VmHWM).")
    print("\n".join(out))


if __name__ == "__main__":
    main()
