import { appendFileSync, existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { contentClips } from './lib/content-clips.ts';
import { bigFile, corpusInputs, joinedCopies, longClip, probeInput, rotatedCopy, sparseFile, tenBitClip, type BenchInput } from './lib/bench-media.ts';
import { describeCorpus, findNginx, NGINX_LEFT_OUT } from './lib/bench-setup.ts';
import { ladderTable, ladderTotals, qualityTable, s3PutTable, SERVING_ROWS, servingRatios, servingTable, ttpTable, tuneTable, uploadTable } from './lib/report.ts';
import { startServerProcess, type ServerProcess } from './lib/server-process.ts';
import { loadAverage, run } from './lib/timed-run.ts';
import { benchLadder, hasZscale, threadsPerRung, type LadderRow, type LadderVariant } from './sections/ladder.ts';
import { benchSplitLadder, splitTable } from './sections/split-ladder.ts';
import { measureServing, startNginx, type ServingRow, type ServingTarget } from './sections/serving.ts';
import { measurePlayableUnderLoad, shortWebm } from './sections/playable-under-load.ts';
import { benchPerTitle, perTitleTable, perTitleTotals, type PerTitleRow } from './sections/per-title.ts';
import { measureTimeToPlayable, type TtpRow } from './sections/time-to-playable.ts';
import { compareWithCopy, multipartPut, s3PutToS3rver, singlePut, uploadClient, type UploadRow } from './sections/upload.ts';

/**
 * `npm run bench [-- options]`: time to playable (idle, and while a long ladder encodes), ladder encode time (vodkit, per-rendition
 * baseline, encode-only floor) with SSIM/PSNR, upload throughput and server memory, media serving
 * against nginx. Prints markdown tables; --out writes them to a file as well. Not part of `npm test`.
 */
const program = new Command()
  .name('bench')
  .option('--quick', 'a 60 s long clip, 300 MiB uploads (no 10 GiB one), 5 s load tests (figures for a quick look only)')
  .option('--only <sections>', 'comma-separated: ttp,ttp-load,ladder,per-title,split,upload,serving', 'ttp,ttp-load,ladder,per-title,split,upload,serving')
  .option('--long-seconds <n>', 'length of the generated long 1080p clip (default 600, quick 60)')
  .option('--split-seconds <n>', 'length of the generated 1080p clip the split section splits (default 300, quick 60)')
  .option('--chunk-seconds <n>', 'chunk length of the split section (default 75, quick 15)')
  .option('--media <dir>', 'the media corpus (optional: without it only generated inputs are used)', process.env.VODKIT_TEST_MEDIA ?? '../shared/media')
  .option('--repeats <n>', 'runs of each upload beside its cp + fsync, and of each serving load test (medians compared)', '3')
  .option('--profile-server <dir>', 'write a V8 CPU profile of each server process to this folder (node --cpu-prof)')
  .option('--cache <dir>', 'where generated inputs are kept between runs', join(tmpdir(), 'vodkit-bench'))
  .option('--preset <preset>', 'x264 preset of every encode (vodkit default)', 'veryfast')
  .option('--segment-seconds <n>', 'HLS segment length (vodkit default)', '4')
  .option('--ladder-inputs <labels>', 'only these inputs in the ladder section (comma-separated file names, "corpus", "long")')
  .option('--tune <repeats>', 'instead of the sections: time x264 threading variants of the single-decode ladder on the long clip, N rounds')
  .option('--out <file>', 'also write the report to this file')
  .parse();
const opts = program.opts<{
  quick?: boolean;
  only: string;
  longSeconds?: string;
  splitSeconds?: string;
  chunkSeconds?: string;
  media: string;
  cache: string;
  preset: string;
  segmentSeconds: string;
  ladderInputs?: string;
  tune?: string;
  out?: string;
  repeats: string;
  profileServer?: string;
}>();

const sections = new Set(opts.tune ? ['tune'] : opts.only.split(',').map((s) => s.trim()));
const quick = Boolean(opts.quick);
const corpusDir = resolve(opts.media);
const corpusFound = describeCorpus(corpusDir);
const nginx = sections.has('serving') ? findNginx() : null;
const longSeconds = Number(opts.longSeconds ?? (quick ? 60 : 600));
// The split section encodes its clip nine times, five of them on one core (two pairs of the whole
// encode and the split one side by side, for the CPU overhead): a 300 s clip in 4 chunks took 52
// minutes on 2 × Intel Xeon, the 600 s one would take twice that.
const splitSeconds = Number(opts.splitSeconds ?? (quick ? 60 : 300));
const segmentSeconds = Number(opts.segmentSeconds);
const serverFlags = { segmentSeconds, x264Preset: opts.preset, uploadRateLimit: 0, logLevel: 'error', perTitle: true };
const startServer = (worker: boolean) => startServerProcess({ worker, flags: serverFlags, cpuProfileDir: opts.profileServer && resolve(opts.profileServer) });
if (opts.out) await writeFile(opts.out, '');
/** Prints a report line; with --out, the file grows section by section, so a run cut short keeps what it measured. */
const say = (text: string) => {
  console.log(text);
  if (opts.out) appendFileSync(opts.out, `${text}\n`);
};
const log = (text: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}`);

say(`# vodkit benchmark\n`);
say(`Command: \`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`  `);
say(`Date: ${new Date().toISOString()}  `);
say(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, ${await firstLine('ffmpeg', ['-hide_banner', '-version'])}, node ${process.version}  `);
say(`Load average at start (1, 5, 15 min): ${await loadAverage()}  `);
say(`${corpusFound.note}  `);
if (sections.has('serving') && !nginx) say(`${NGINX_LEFT_OUT}  `);
say('');

const scratch = join(opts.cache, 'work');
await rm(scratch, { recursive: true, force: true });

let corpus: BenchInput[] = [];
let long: BenchInput | null = null;
let longRotated: BenchInput | null = null;
let longest: BenchInput | null = null;
let tenBit: BenchInput | null = null;
if (sections.has('ttp') || sections.has('ttp-load') || sections.has('ladder') || sections.has('tune')) {
  if (sections.has('ttp') || sections.has('ladder')) corpus = await corpusInputs(corpusDir);
  log(`corpus: ${corpus.length} files; generating the ${longSeconds} s 1080p clip (cached in ${opts.cache})`);
  const started = performance.now();
  const longPath = await longClip(opts.cache, longSeconds);
  long = await probeInput(`long ${longSeconds} s 1080p (generated)`, longPath);
  longRotated = await probeInput(`long ${longSeconds} s 1080p rotated (generated)`, await rotatedCopy(longPath));
  if (sections.has('ttp')) longest = await probeInput(`${(6 * longSeconds) / 60} min 1080p (6 × the long clip, joined)`, await joinedCopies(longPath, 6));
  if (sections.has('ttp')) tenBit = await probeInput('60 s 1080p H.264 10-bit (generated)', await tenBitClip(opts.cache, 60));
  log(`long clip ready in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

if (sections.has('ttp')) {
  say(`## Time to playable\n`);
  say(
    `Upload complete (signed PUT answered) → master playlist, first media playlist, its init segment and first segment all fetched (200). ` +
      `Real server in a child process (same code as test/support/server.ts), embedded adapters, ${segmentSeconds} s segments, x264 ${opts.preset}. ` +
      `Targets: 2 s for inputs published by stream copy ("instant"), 3 s for the others.\n`,
  );
  const server = await startServer(true);
  const rows: TtpRow[] = [];
  try {
    for (const input of [...corpus, long!, longRotated!, ...(longest ? [longest] : []), ...(tenBit ? [tenBit] : [])]) {
      log(`time to playable: ${input.label}`);
      rows.push(await measureTimeToPlayable(server, input.label, input.path));
    }
  } finally {
    await server.stop();
  }
  say(ttpTable(rows, { instant: 2, other: 3 }));
  say(`\nLoad average after: ${await loadAverage()}\n`);
}

if (sections.has('ttp-load')) {
  say(`## Time to playable under load\n`);
  say(
    `The ${long!.label} clip is uploaded to a server with the default single worker; once its ladder is encoding (the video reports progress), ` +
      `a short VP8/Opus webm (re-encoded before it is published) is uploaded and its time to playable measured as above. Target: 6 s.\n`,
  );
  const server = await startServer(true);
  try {
    const row = await measurePlayableUnderLoad(server, long!, await shortWebm(opts.cache));
    say(ttpTable([row], { instant: 2, other: 6 }));
    say(`\nThe long video was ${row.longStatus === 'processing' ? 'still encoding its ladder' : row.longStatus} when the webm became playable.`);
  } finally {
    await server.stop();
  }
  say(`\nLoad average after: ${await loadAverage()}\n`);
}

if (sections.has('ladder')) {
  say(`## Ladder encode time and quality\n`);
  const zscale = await hasZscale();
  const wanted = opts.ladderInputs?.split(',').map((s) => s.trim());
  const inputs = [...corpus.filter((i) => i.media?.video), long!].filter(
    (i) => !wanted || wanted.some((w) => i.label === w || (w === 'long' && i === long) || (w === 'corpus' && i !== long)),
  );
  const rows: LadderRow[] = [];
  const refused: string[] = [];
  for (const input of inputs) {
    log(`ladder: ${input.label}`);
    const qualitySeconds = input === long ? Math.min(120, longSeconds) : null;
    const row = await benchLadder(input, { workDir: scratch, preset: opts.preset, segmentSeconds, qualitySeconds }, zscale).catch((err: Error) => {
      log(`ladder: ${input.label} failed: ${err.message}`);
      return null;
    });
    for (const m of row?.results ?? []) if (m.error) log(`ladder: ${input.label}, ${m.method}: ${m.error}`);
    if (row?.results.find((m) => m.method === 'vodkit')?.error) refused.push(input.label);
    else if (row) rows.push(row);
  }
  say(
    `Same x264 settings (${opts.preset}, CRF 23 capped, forced keyframes) and filters for all three. Wall and CPU (user + system) seconds; ` +
      `ratios are against vodkit. per-rendition = one ffmpeg per rung, each decoding the source, then one for the audio, in sequence; ` +
      `floor = the vodkit run fed decoded frames through a pipe from a separate process that decodes, turns upright, makes the rate constant and tone-maps (its CPU not counted): scaling and encoding only.\n`,
  );
  say(ladderTable(rows));
  if (refused.length) say(`\nNot compared (vodkit refuses them as broken): ${refused.join(', ')}.`);
  say(`\nAll inputs together:\n`);
  say(ladderTotals(rows));
  say(`\nQuality of every rung against the source scaled to its size (SSIM "All" / PSNR dB${long ? `; the long clip over its first ${Math.min(120, longSeconds)} s` : ''}):\n`);
  say(qualityTable(rows));
  say(`\nLoad average after: ${await loadAverage()}\n`);
}

if (sections.has('per-title')) {
  say(`## Per-title ladder\n`);
  const zscale = await hasZscale();
  const clipSeconds = quick ? 10 : 30;
  const inputs = [...(await corpusInputs(corpusDir)).filter((i) => i.media?.video), ...(await contentClips(opts.cache, clipSeconds))];
  const rows: PerTitleRow[] = [];
  for (const input of inputs) {
    log(`per-title: ${input.label}`);
    const row = await benchPerTitle(input, { workDir: scratch, preset: opts.preset, segmentSeconds }, zscale);
    if (row?.error) log(`per-title: ${input.label}: ${row.error}`);
    if (row) rows.push(row);
  }
  say(
    `Each input's video ladder encoded twice (x264 ${opts.preset}, same filters): with the fixed ladder (CRF 23 under the reference caps) and with the ladder ` +
      `fitted to the content by the analysis (VODKIT_PER_TITLE: 4 sampled 2 s scenes encoded at CRF 23, 26 and 29, the whole picture at the smallest rung and 3 × 3 tiles at the largest, core/ladder/per-title.ts). ` +
      `Bytes: each rung's init and segments; SSIM "All" against the source scaled to the rung. Analysis s: wall time of the analysis on this machine (load-dependent; bytes and SSIM are not).\n`,
  );
  say(perTitleTable(rows));
  say(`\nAll rungs together (target: at least 15 % fewer bytes, no rung below −0.005 SSIM):\n`);
  say(perTitleTotals(rows));
  say(`\nLoad average after: ${await loadAverage()}\n`);
}

if (sections.has('split')) {
  say(`## Split-and-stitch ladder\n`);
  const chunkSeconds = Number(opts.chunkSeconds ?? (quick ? 15 : 75));
  let clip = long && splitSeconds === longSeconds ? long : null;
  if (!clip) {
    log(`split: generating the ${splitSeconds} s 1080p clip (cached in ${opts.cache})`);
    clip = await probeInput(`${splitSeconds} s 1080p (generated)`, await longClip(opts.cache, splitSeconds));
  }
  log(`split: ${clip.label}, chunks of ${chunkSeconds} s`);
  const row = await benchSplitLadder(clip, { workDir: scratch, preset: opts.preset, segmentSeconds, chunkSeconds });
  if (row) {
    say(
      `The ${clip.label} clip's ladder (x264 ${opts.preset}) encoded whole by one ffmpeg run, and split (VODKIT_CHUNK_SECONDS=${chunkSeconds}) into the ffmpeg runs the ` +
        `ladder-part jobs make, taken by 1 and by 2 workers (each runs one part at a time; queue, publishing and node not timed). CPU: user + system of every run. ` +
        `"Own core" rows give each worker one core of its own (taskset), as W one-core machines would: on a 2-core machine one ffmpeg already keeps both cores busy, ` +
        `so two workers sharing them cannot finish sooner. "Side by side" rows run the whole encode and the split one at the same time, ` +
        `on a core each, then with the cores swapped: the CPU overhead of splitting is measured on the same machine at the same moment.\n`,
    );
    say(splitTable(row));
  } else say(`The ${clip.label} clip is not split with chunks of ${chunkSeconds} s (see core/ladder/plan-chunks.ts).`);
  say(`\nLoad average after: ${await loadAverage()}\n`);
}

if (sections.has('tune')) {
  say(`## Tuning the single-decode ladder (${opts.tune} rounds on the ${longSeconds} s 1080p clip)\n`);
  const zscale = await hasZscale();
  const variants: LadderVariant[] = [
    { name: 'threads 1 per rung', input: { threads: 1 } },
    { name: 'threads 2 per rung', input: { threads: 2 } },
    { name: 'top rung 2, others 1', edit: threadsPerRung((i) => (i === 0 ? 2 : 1)) },
    // What ffmpeg already picks on 2 cores: the same run as the default, so a gauge of the noise.
    { name: 'filter threads 2 (= default here)', input: { filterThreads: 2 } },
  ];
  const rounds: LadderRow[] = [];
  for (let i = 0; i < Number(opts.tune); i++) {
    log(`tune round ${i + 1}`);
    const row = await benchLadder(long!, { workDir: scratch, preset: opts.preset, segmentSeconds, qualitySeconds: Math.min(60, longSeconds), methods: ['vodkit', 'per-rendition parallel'], variants }, zscale);
    if (row) rounds.push(row);
  }
  say(tuneTable(rounds));
  say(`\nLoad average after: ${await loadAverage()}\n`);
}

if (sections.has('upload')) {
  say(`## Upload\n`);
  const mib = quick ? 300 : 1024;
  const repeats = Number(opts.repeats);
  const copyDir = join(scratch, 'copy');
  const rows: UploadRow[] = [];
  const client = await uploadClient();
  if (client === 'node') log('upload: curl is not installed; the files are sent by node\'s http client, which takes about 1.8 CPU seconds per GiB from the cores the server runs on');
  const server = await startServer(false);
  try {
    const file = await bigFile(opts.cache, mib * 1024 * 1024);
    log(`upload: ${mib} MiB single PUT, ${repeats} runs`);
    rows.push(await compareWithCopy(server, 'signed single PUT', file, copyDir, repeats, singlePut(client)));
    log(`upload: ${mib} MiB multipart, 3 parts in parallel, ${repeats} runs`);
    rows.push(await compareWithCopy(server, 'multipart, 3 parts in parallel', file, copyDir, repeats, multipartPut(3, client)));
    if (!quick) {
      log('upload: 10 GiB single PUT (sparse input file)');
      rows.push(await compareWithCopy(server, 'signed single PUT, sparse input', await sparseFile(opts.cache, 10 * 1024 ** 3), copyDir, 1, singlePut(client)));
    }
  } finally {
    await server.stop();
  }
  say(
    `A file sent by ${client === 'curl' ? 'curl (parts: one curl per connection, each part a file of its own, over a kept-alive connection)' : "node's http client (curl is not installed)"} to a server process (local-disk store: the body written to a temp file as it arrives, ` +
      `no hash of the bytes (the ETag is a version id), fsync, rename; a multipart upload's parts are written in place into the file that completion moves into place), and cp + fsync of the same file on the same disk, ` +
      `one after the other in the same run (the upload first, then the copy first, in turn); medians of ${repeats} runs (the 10 GiB upload: one run). "vodkit vs cp+fsync" is the upload's speed over the copy's. ` +
      `Server RSS: before the first upload, and its peak (VmHWM, reset before each upload). The client runs on the same machine and takes CPU from the server.\n`,
  );
  say(uploadTable(rows));
  log(`upload: the S3 adapter's streamed put of ${mib} MiB to s3rver`);
  const s3 = await s3PutToS3rver(mib * 1024 * 1024);
  say(`\nThe S3 adapter's streamed put (how vodkit stores large outputs on S3: parts of 8 MiB, one after the other) of ${mib} MiB of generated bytes to s3rver, in a process of its own; s3rver (in the benchmark process) sets the speed, the memory is the adapter's:\n`);
  say(s3PutTable([s3]));
  say(`\nLoad average after: ${await loadAverage()}\n`);
}

if (sections.has('serving')) {
  say(`## Media serving\n`);
  const seconds = quick ? 5 : 10;
  const server = await startServer(true);
  const rows: ServingRow[] = [];
  try {
    const corpusSample = resolve(corpusDir, 'ax_internal_emulator_transformer_output.mp4');
    const sample = existsSync(corpusSample) ? corpusSample : await longClip(opts.cache, 12);
    const { id, token, files } = await publishSample(server, sample);
    const ours = files.map((f) => `/media/${id}/${f}?token=${token}`);
    const theirs = files.map((f) => `/${id}/${f}`);
    const mediaRoot = join(server.dataDir, 'objects', 'media');
    const peer = nginx ? await startNginx(nginx, mediaRoot, join(scratch, 'nginx'), 1) : null;
    // vodkit behind nginx: a second server on the same data (no worker) hands each checked request
    // to nginx with X-Accel-Redirect; nginx proxies /media/ to it and sends the file.
    const accelLocation = '/_vodkit_media';
    // The same route reading every file from the store (no file cache), for comparison.
    const uncached = await startServerProcess({ worker: false, flags: { ...serverFlags, dataDir: server.dataDir, mediaCacheMiB: 0 } });
    const accelServer = nginx ? await startServerProcess({ worker: false, flags: { ...serverFlags, dataDir: server.dataDir, mediaDelivery: 'x-accel-redirect', mediaAccelPrefix: accelLocation } }) : null;
    const accel = nginx && accelServer ? await startNginx(nginx, mediaRoot, join(scratch, 'nginx-accel'), 1, { upstream: accelServer.url, location: accelLocation }) : null;
    try {
      const targets: ServingTarget[] = [
        { name: SERVING_ROWS.vodkit, base: server.url, paths: ours },
        { name: 'vodkit (token checked), VODKIT_MEDIA_CACHE_MIB=0', base: uncached.url, paths: ours },
        ...(peer ? [{ name: SERVING_ROWS.nginx, base: peer.url, paths: theirs }] : []),
        ...(accel ? [{ name: SERVING_ROWS.accel, base: accel.url, paths: ours }] : []),
      ];
      for (const t of targets) {
        const res = await fetch(t.base + t.paths[0]);
        const body = Buffer.from(await res.arrayBuffer());
        if (res.status !== 200 || body.length === 0) throw new Error(`${t.name}: ${t.base}${t.paths[0]}: ${res.status}, ${body.length} bytes`);
      }
      rows.push(...(await measureServing(targets, [50, 200], seconds, Number(opts.repeats), log)));
    } finally {
      await accel?.stop();
      await accelServer?.stop();
      await uncached.stop();
      await peer?.stop();
    }
    say(`GETs of the ${files.length} segments (init segments included) of a published private video (${sample === corpusSample ? 'a file of the corpus' : 'a generated 12 s 1080p clip'}), round robin, ${seconds} s per run; the load generator (bench/lib/http-load.ts: keep-alive connections, node's HTTP parser) runs in the benchmark process on the same machine, loopback. vodkit: one node process, the playback token checked on every request${peer ? '; nginx: one worker, sendfile, same files' : ''}.\n`);
    if (!peer) say(`${NGINX_LEFT_OUT}\n`);
    else say(`Medians of ${opts.repeats} rounds, the servers taking turns within each round. "vodkit (X-Accel-Redirect) + nginx": nginx proxies each request to a vodkit server run with VODKIT_MEDIA_DELIVERY=x-accel-redirect, which checks the token and answers with the file's internal path; nginx then sends the file (docs/operations.md).\n`);
  } finally {
    await server.stop();
  }
  say(servingTable(rows));
  const ratios = servingRatios(rows);
  if (ratios) say(`\nvodkit vs nginx (targets: requests/s at least 0.8 ×, p99 at most 2 ×):\n\n${ratios}`);
  say(`\nLoad average after: ${await loadAverage()}\n`);
}

await rm(scratch, { recursive: true, force: true });
if (opts.out) log(`report written to ${opts.out}`);

/** Uploads a clip, waits until it is ready; its id, a playback token and its segment files. */
async function publishSample(server: ServerProcess, path: string): Promise<{ id: string; token: string; files: string[] }> {
  const api = (method: string, p: string, body?: unknown) =>
    fetch(new URL(p, server.url), {
      method,
      headers: { Authorization: `Bearer ${server.token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    }).then((r) => r.json() as Promise<any>);
  const { upload, video } = await api('POST', '/api/v1/uploads', { filename: 'sample.mp4', size: (await readFile(path)).length, contentType: 'video/mp4' });
  const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: await readFile(path) });
  if (put.status !== 200) throw new Error(`sample upload: ${put.status}`);
  for (;;) {
    const v = await api('GET', `/api/v1/videos/${video.id}`);
    if (v.status === 'failed') throw new Error(`sample failed: ${v.error}`);
    if (v.status === 'ready') {
      const token = new URL(v.playback.hls).searchParams.get('token')!;
      const root = join(server.dataDir, 'objects', 'media', video.id);
      const files = (await readdir(root, { recursive: true })).map(String).filter((f) => /\.(m4s|mp4)$/.test(f)).sort();
      return { id: video.id, token, files };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function firstLine(cmd: string, args: string[]): Promise<string> {
  return (await run(cmd, args)).split('\n')[0].replace(/ Copyright.*$/, '');
}
