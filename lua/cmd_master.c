/* cmd_master.c — `lute master IN -o OUT [--target LUFS] [--ceiling dBTP] [--chain FILE.lua]
 * [--reference REF [--match]] ...`: the master chain on a plain file (for mixes made anywhere):
 * read, optionally compare with and match a reference, run the chain, bring the loudness to the
 * target under the true-peak ceiling (core/master/target.h), deliver (rate, dither, format, tags),
 * check the written file with lute's meter and ffmpeg's, and write the QC report beside it.
 * Optional: playback previews and a codec preview.  See docs/mastering.md. */
#include "cmd.h"
#include "cmd_common.h"
#include "analysis/meter.h"
#include "analysis/plot.h"
#include "analysis/spectrum.h"
#include "dsp/fx_master.h"
#include "master/deliver.h"
#include "master/match.h"
#include "master/preview.h"
#include "master/qc.h"
#include "master/target.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
    fprintf(f,
        "usage: lute master IN -o OUT [--target LUFS|none] [--ceiling dBTP] [--chain FILE.lua|PRESET]\n"
        "                  [--reference REF [--match] [--match-max DB]] [--bits 16|24|32] [--rate HZ]\n"
        "                  [--dither tpdf|shaped|none] [--kbps N] [--title T] [--artist A] [--album A]\n"
        "                  [--year Y] [--track N] [--preview phone,earbuds,laptop,car,club,mono|all]\n"
        "                  [--codec-preview] [--plot OUT.png] [--no-verify] [--no-qc] [-v]\n"
        "Masters IN to OUT (.wav .aiff .flac .mp3 .opus .ogg): the chain (default: a 15 Hz low cut), then\n"
        "the loudness target (default -14 LUFS) under the true-peak ceiling (default -1 dBTP), verified on\n"
        "the written file by lute's meter and, when installed, ffmpeg's ebur128.  Presets: streaming, apple,\n"
        "broadcast, cd, club (scripts/master/).  A QC report goes to OUT.qc.txt and OUT.qc.json.\n");
}

static int bad(const char *fmt, const char *arg) {
    fprintf(stderr, "lute master: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(lute master --help shows the usage)\n");
    return 2;
}

static int number(const char *opt, const char *v, double lo, double hi, double *out) {
    char *end;
    errno = 0;
    double d = v ? strtod(v, &end) : 0;
    if (!v || errno || *end || !(d >= lo && d <= hi)) {
        fprintf(stderr, "lute master: %s needs a number from %g to %g, got '%s'\n", opt, lo, hi, v ? v : "(nothing)");
        return -1;
    }
    *out = d;
    return 0;
}

/* Writes OUT-name.ext next to out (the preview files). */
static void sibling(const char *out, const char *tag, const char *ext, char *buf, size_t len) {
    const char *dot = strrchr(out, '.'), *slash = strrchr(out, '/');
    if (dot && (!slash || dot > slash)) snprintf(buf, len, "%.*s-%s%s", (int)(dot - out), out, tag, ext ? ext : dot);
    else snprintf(buf, len, "%s-%s%s", out, tag, ext ? ext : ".wav");
}

int lt_cmd_master(int argc, char **argv) {
    const char *in = NULL, *out = NULL, *chain_file = NULL, *reference = NULL, *preview = NULL, *plot = NULL;
    lt_tags tags = {0};
    double target = NAN, ceiling = NAN, d, match_max = 0;
    int no_target = 0, bits = 0, rate = 0, dither = 0, match = 0, verify = 1, qc = 1, verbose = 0, codec_preview = 0;
    double kbps = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define TAKE(dst) do { if (!v) return bad("%s needs a value", a); dst = v; i++; } while (0)
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) { usage(stdout); return 0; }
        else if (strcmp(a, "-o") == 0 || strcmp(a, "--out") == 0) TAKE(out);
        else if (strcmp(a, "--target") == 0) {
            if (v && strcmp(v, "none") == 0) { no_target = 1; i++; }
            else if (number(a, v, -70, -3, &target)) return 2; else i++;
        } else if (strcmp(a, "--ceiling") == 0) { if (number(a, v, -20, 0, &ceiling)) return 2; i++; }
        else if (strcmp(a, "--chain") == 0) TAKE(chain_file);
        else if (strcmp(a, "--reference") == 0) TAKE(reference);
        else if (strcmp(a, "--match") == 0) match = 1;
        else if (strcmp(a, "--match-max") == 0) { if (number(a, v, 0.5, 18, &match_max)) return 2; i++; }
        else if (strcmp(a, "--bits") == 0) {
            if (number(a, v, 16, 32, &d) || (d != 16 && d != 24 && d != 32)) return bad("--bits is 16, 24 or 32 (float), not '%s'", v ? v : "");
            bits = (int)d;
            i++;
        } else if (strcmp(a, "--rate") == 0) { if (number(a, v, 8000, 384000, &d)) return 2; rate = (int)d; i++; }
        else if (strcmp(a, "--kbps") == 0) { if (number(a, v, 32, 512, &kbps)) return 2; i++; }
        else if (strcmp(a, "--dither") == 0) {
            if (!v) return bad("%s needs tpdf, shaped or none", a);
            if (strcmp(v, "tpdf") == 0) dither = LT_DITHER_TPDF + 1;
            else if (strcmp(v, "shaped") == 0) dither = LT_DITHER_SHAPED + 1;
            else if (strcmp(v, "none") == 0) dither = LT_DITHER_NONE + 1;
            else return bad("--dither is tpdf, shaped or none, not '%s'", v);
            i++;
        }
        else if (strcmp(a, "--title") == 0) TAKE(tags.title);
        else if (strcmp(a, "--artist") == 0) TAKE(tags.artist);
        else if (strcmp(a, "--album") == 0) TAKE(tags.album);
        else if (strcmp(a, "--year") == 0) TAKE(tags.date);
        else if (strcmp(a, "--track") == 0) TAKE(tags.track);
        else if (strcmp(a, "--preview") == 0) TAKE(preview);
        else if (strcmp(a, "--codec-preview") == 0) codec_preview = 1;
        else if (strcmp(a, "--plot") == 0) TAKE(plot);
        else if (strcmp(a, "--no-verify") == 0) verify = 0;
        else if (strcmp(a, "--no-qc") == 0) qc = 0;
        else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) verbose = 1;
        else if (a[0] == '-' && a[1]) return bad("unknown option '%s'", a);
        else if (!in) in = a;
        else return bad("unexpected argument '%s' (one input file; -o names the output)", a);
#undef TAKE
    }
    if (!in) return bad("which file?%s", "");
    if (!out) return bad("where to? -o OUT.wav (or .flac, .aiff, .mp3, .opus, .ogg)%s", "");
    char err[2048];
    lt_deliver_spec spec = {0};
    if (lt_format_from_path(out, &spec.format, err, sizeof err)) { fprintf(stderr, "lute master: %s\n", err); return 2; }

    lt_master_cfg cfg;
    lt_master_cfg_init(&cfg);
    if (chain_file && lt_master_cfg_load(chain_file, &cfg, err, sizeof err)) { fprintf(stderr, "lute master: %s\n", err); return 2; }
    if (!chain_file) {
        /* the default chain: a 15 Hz low cut (DC and sub-sonic rumble out: 0.02 dB at 30 Hz), then the limiter */
        lt_chain_desc_unit *u = &cfg.units[cfg.nunits++];
        u->def = &lt_fx_mineq;
        for (int k = 0; k < lt_fx_mineq.nparams; k++) u->params[k] = lt_fx_mineq.params[k].def;
        u->params[0] = 15;
        u->mix = 1;
        snprintf(cfg.name, sizeof cfg.name, "default: 15 Hz low cut, limiter");
    }
    /* the command line wins over the chain file, which wins over the defaults (streaming: -14, -1) */
    if (no_target) cfg.no_target = 1;
    if (!isnan(target)) { cfg.target = target; cfg.no_target = 0; }
    if (!isnan(ceiling)) cfg.ceiling = ceiling;
    if (isnan(cfg.ceiling)) cfg.ceiling = -1;
    if (reference) snprintf(cfg.reference, sizeof cfg.reference, "%s", reference);
    if (match) cfg.match_eq = cfg.match_loudness = 1;
    if (match_max > 0) cfg.match_max_db = match_max;
    if ((cfg.match_eq || cfg.match_loudness) && !cfg.reference[0]) return bad("--match needs --reference REF%s", "");
    spec.bits = bits ? bits : cfg.bits;
    spec.rate = rate ? rate : cfg.rate;
    spec.dither = dither ? dither - 1 : cfg.dither ? cfg.dither - 1 : LT_DITHER_AUTO;
    spec.kbps = kbps > 0 ? kbps : cfg.kbps;
    if (spec.format == LT_FMT_FLAC && spec.bits == 32) return bad("FLAC holds 16 or 24 bits, not 32%s", "");

    lt_audio src, st;
    if (lt_audio_load(in, &src, err, sizeof err)) { fprintf(stderr, "lute master: %s\n", err); return 2; }
    int mono = src.channels == 1;
    if (lt_audio_to_stereo(&src, &st, err, sizeof err)) { fprintf(stderr, "lute master: %s: %s\n", in, err); lt_audio_free(&src); return 2; }
    lt_audio_free(&src);

    /* the reference: compare, and match if asked */
    lt_report rin, rref;
    if (cfg.reference[0]) {
        lt_meter_opts mo = {0};
        if (lt_meter_file(cfg.reference, &mo, &rref, err, sizeof err)) { fprintf(stderr, "lute master: %s\n", err); lt_audio_free(&st); return 2; }
        if (lt_meter_buffer(st.x, st.frames, 2, st.rate, &mo, &rin, err, sizeof err)) { fprintf(stderr, "lute master: %s\n", err); return 1; }
        lt_match_diff diff;
        lt_match_compare(&rin, &rref, &diff);
        lt_match_print(stdout, in, cfg.reference, &rin, &rref, &diff);
        if (cfg.match_loudness && isnan(cfg.target) && !no_target) {
            cfg.target = rref.integrated_lufs;
            cfg.no_target = 0;
            if (cfg.target > -5) cfg.target = -5;
            printf("  matching loudness: the target is the reference's %.1f LUFS\n", cfg.target);
        }
        if (cfg.match_eq) {
            lt_audio ref;
            if (lt_audio_load(cfg.reference, &ref, err, sizeof err)) { fprintf(stderr, "lute master: %s\n", err); return 2; }
            lt_match_opts mopt = {.max_db = cfg.match_max_db, .amount = cfg.match_amount};
            double applied[LT_BANDS];
            if (lt_match_eq(&st, &ref, &mopt, applied, err, sizeof err)) { fprintf(stderr, "lute master: %s\n", err); lt_audio_free(&ref); return 1; }
            lt_audio_free(&ref);
            printf("  matching EQ applied (limited to +/-%.0f dB), at the band centres:\n   ", cfg.match_max_db > 0 ? cfg.match_max_db : 6);
            for (int b = 0; b < LT_BANDS; b += 2) printf(" %g:%+.1f", lt_band_nominal[b], applied[b]);
            printf("\n");
        }
        lt_report_free(&rin);
        lt_report_free(&rref);
    }
    if (!cfg.no_target && isnan(cfg.target)) cfg.target = -14;

    lt_chain chain;
    if (lt_master_cfg_chain(&cfg, st.rate, &chain, err, sizeof err)) { fprintf(stderr, "lute master: %s\n", err); return 2; }
    int do_verify = verify && lt_ffmpeg_available();
    lt_target_opts to = {
        .target_lufs = cfg.no_target ? NAN : cfg.target, .ceiling_dbtp = cfg.ceiling, .tolerance_lu = isnan(cfg.tolerance) ? 0 : cfg.tolerance,
        .limiter = cfg.limiter, .deliver = &spec, .out_path = out, .tags = &tags,
        .verify = do_verify ? lt_ffmpeg_verify : NULL, .verbose = verbose,
    };
    char desc[256];
    snprintf(desc, sizeof desc, "%s", cfg.name[0] ? cfg.name : chain_file ? chain_file : "limiter only");
    int outbits = lt_deliver_bits(&spec), outrate = spec.format == LT_FMT_OPUS ? 48000 : spec.rate ? spec.rate : st.rate;
    printf("lute master %s -> %s (chain: %s; ", in, out, desc);
    if (cfg.no_target) printf("no loudness target, ");
    else printf("target %.1f LUFS, ", cfg.target);
    printf("ceiling %.1f dBTP; %s%s%s, %d Hz)\n", cfg.ceiling, lt_format_lossy(spec.format) ? "" : outbits == 32 ? "32-bit float " : outbits == 16 ? "16-bit " : "24-bit ",
           lt_format_name(spec.format), lt_format_lossy(spec.format) ? " (lossy)" : "", outrate);
    /* A mono mix is delivered as two equal channels: that is how it plays, and a mono file would read
     * 3 LU quieter by BS.1770 (one channel of weight 1) than the same sound on a stereo pair. */
    if (mono) printf("  (mono input: mastered and delivered as two equal channels)\n");

    lt_audio mastered;
    lt_target_report rep;
    if (lt_target_master(&st, &chain, &to, &mastered, &rep, err, sizeof err)) {
        fprintf(stderr, "lute master: %s\n", err);
        lt_chain_free(&chain);
        lt_audio_free(&st);
        return 1;
    }
    printf("  input         %.2f LUFS, %.2f dBTP\n", rep.input_lufs, rep.input_dbtp);
    if (cfg.nunits) printf("  after chain   %.2f LUFS (%d effect%s)\n", rep.chain_lufs, cfg.nunits, cfg.nunits == 1 ? "" : "s");
    printf("  limiter       drive %+.2f dB, gain reduction up to %.1f dB, ceiling %.2f dBTP\n", rep.gain_db, rep.max_reduction_db,
           rep.limiter_ceiling_dbtp);
    printf("  result        %.2f LUFS, %.2f dBTP (lute)", rep.lufs, rep.dbtp);
    if (isfinite(rep.verify_lufs)) printf("; %.2f LUFS, %.2f dBTP (ffmpeg ebur128)", rep.verify_lufs, rep.verify_dbtp);
    else if (verify) printf("; ffmpeg not found, not cross-checked");
    printf(" — %s in %d pass%s\n", rep.met ? "met" : "NOT MET", rep.passes, rep.passes == 1 ? "" : "es");
    if (!rep.met) fprintf(stderr, "lute master: %s\n", rep.note);

    int rc = rep.met ? 0 : 1;
    if (qc) {
        /* what targeting did, for the QC JSON's "mastering" object (its members only) */
        char *extra = NULL;
        size_t elen = 0;
        FILE *ej = open_memstream(&extra, &elen);
        if (ej) {
            fprintf(ej, "\"input\": ");
            lt_json_str(ej, in);
            fprintf(ej, ", \"chain\": ");
            lt_json_str(ej, desc);
            const char *names[] = {"input_lufs", "input_dbtp", "chain_lufs", "gain_db", "max_reduction_db", "limiter_ceiling_dbtp",
                                   "lufs", "dbtp", "ffmpeg_lufs", "ffmpeg_dbtp"};
            double vals[] = {rep.input_lufs, rep.input_dbtp, rep.chain_lufs, rep.gain_db, rep.max_reduction_db, rep.limiter_ceiling_dbtp,
                             rep.lufs, rep.dbtp, rep.verify_lufs, rep.verify_dbtp};
            for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++) {
                fprintf(ej, ", \"%s\": ", names[k]);
                lt_json_num(ej, vals[k]);
            }
            fprintf(ej, ", \"passes\": %d, \"met\": %s", rep.passes, rep.met ? "true" : "false");
            fclose(ej);
        }
        lt_qc_limits lim = {.target_lufs = cfg.no_target ? NAN : cfg.target, .tolerance_lu = isnan(cfg.tolerance) ? 0 : cfg.tolerance,
                            .ceiling_dbtp = cfg.ceiling};
        int q = lt_qc_file(out, &lim, extra, NULL, err, sizeof err);
        free(extra);
        if (q < 0) { fprintf(stderr, "lute master: %s\n", err); rc = 1; }
        else printf("  wrote %s (QC %s: %s.qc.txt, %s.qc.json)\n", out, q ? "pass" : "FAIL", out, out);
        if (q == 0) rc = 1;
    } else printf("  wrote %s\n", out);

    if (preview) {
        for (int p = 0; p < LT_PREVIEW_COUNT; p++) {
            const char *name = lt_preview_name(p);
            if (strcmp(preview, "all") != 0) {
                const char *s = strstr(preview, name);
                size_t nl = strlen(name);
                if (!s || (s != preview && s[-1] != ',') || (s[nl] && s[nl] != ',')) continue;
            }
            lt_audio pv;
            char path[4096];
            sibling(out, name, ".wav", path, sizeof path);
            lt_deliver_spec ps = {.format = LT_FMT_WAV, .bits = 32};   /* float: no dither, mono stays mono */
            if (lt_preview_render(&mastered, p, &pv, err, sizeof err) || lt_deliver(path, &pv, &ps, NULL, NULL, err, sizeof err)) {
                fprintf(stderr, "lute master: preview %s: %s\n", name, err);
                rc = 1;
            } else printf("  preview %-8s %s (%s)\n", name, path, lt_preview_about(p));
            lt_audio_free(&pv);
        }
        const char *s = preview;
        while (*s) {   /* names that are not previews */
            size_t n = strcspn(s, ",");
            char nm[64];
            snprintf(nm, sizeof nm, "%.*s", (int)(n < 63 ? n : 63), s);
            if (strcmp(nm, "all") && lt_preview_from_name(nm) < 0) {
                fprintf(stderr, "lute master: no preview '%s' (phone, earbuds, laptop, car, club, mono or all)\n", nm);
                rc = rc ? rc : 2;
            }
            s += n + (s[n] == ',');
        }
    }
    if (codec_preview) {
        struct { const char *ext; lt_format f; double kbps; } codecs[] = {{".mp3", LT_FMT_MP3, 320}, {".mp3", LT_FMT_MP3, 128}, {".opus", LT_FMT_OPUS, 160}};
        for (size_t k = 0; k < sizeof codecs / sizeof codecs[0]; k++) {
            char path[4096], tag[32];
            snprintf(tag, sizeof tag, "preview-%.0f", codecs[k].kbps);
            sibling(out, tag, codecs[k].ext, path, sizeof path);
            lt_deliver_spec cs = {.format = codecs[k].f, .kbps = codecs[k].kbps};
            lt_audio heard;
            if (lt_deliver(path, &mastered, &cs, &tags, &heard, err, sizeof err)) { fprintf(stderr, "lute master: %s\n", err); rc = 1; continue; }
            lt_report r;
            lt_meter_opts mo = {.loudness_only = 1};
            lt_meter_buffer(heard.x, heard.frames, heard.channels, heard.rate, &mo, &r, err, sizeof err);
            printf("  codec %-4s %3.0f kbps  %s: after decoding %.2f dBTP (%+.2f dB against the master's %.2f), %.2f LUFS%s\n",
                   codecs[k].f == LT_FMT_MP3 ? "MP3" : "Opus", codecs[k].kbps, path, r.true_peak_dbtp, r.true_peak_dbtp - rep.dbtp,
                   rep.dbtp, r.integrated_lufs, r.true_peak_dbtp > cfg.ceiling ? "  — over the ceiling: deliver this codec with a lower ceiling" : "");
            lt_report_free(&r);
            lt_audio_free(&heard);
        }
    }
    if (plot) {
        lt_report ra, rb;
        lt_meter_opts mo = {.series = 1, .plot_columns = LT_PLOT_COLUMNS};
        if (lt_meter_file(out, &mo, &ra, err, sizeof err) == 0) {
            mo.expected_frames = st.frames;
            lt_meter_buffer(st.x, st.frames, 2, st.rate, &mo, &rb, err, sizeof err);
            const lt_report *rs[2] = {&ra, &rb};
            char n1[4200], n2[4200];
            snprintf(n1, sizeof n1, "after: %s", out);
            snprintf(n2, sizeof n2, "before: %s", in);
            const char *ns[2] = {n1, n2};
            lt_plot_opts po = {.target_lufs = cfg.no_target ? NAN : cfg.target, .title = "lute master: before and after"};
            if (lt_plot(plot, rs, ns, 2, &po, err, sizeof err)) { fprintf(stderr, "lute master: %s\n", err); rc = 1; }
            else printf("  plot %s\n", plot);
            lt_report_free(&ra);
            lt_report_free(&rb);
        }
    }
    lt_audio_free(&mastered);
    lt_chain_free(&chain);
    lt_audio_free(&st);
    return rc;
}
