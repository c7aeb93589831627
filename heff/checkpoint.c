/* checkpoint.c - atomic, tagged checkpoint files (see checkpoint.h). */
#include "checkpoint.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TAGLEN 16

int hf_ckpt_open_write(hf_ckpt_writer *w, const char *path, hf_err *err) {
  memset(w, 0, sizeof *w);
  snprintf(w->path, sizeof w->path, "%s", path);
  snprintf(w->tmp, sizeof w->tmp, "%s.tmp", path);
  w->f = fopen(w->tmp, "wb");
  if (!w->f) return hf_fail(err, "cannot write checkpoint %s: %s", w->tmp, strerror(errno));
  return HF_OK;
}

void hf_ckpt_put(hf_ckpt_writer *w, const char *tag, const void *data, size_t bytes) {
  char t[TAGLEN] = {0};
  strncpy(t, tag, TAGLEN - 1);
  uint64_t n = bytes;
  if (fwrite(t, 1, TAGLEN, w->f) != TAGLEN || fwrite(&n, sizeof n, 1, w->f) != 1 ||
      (bytes && fwrite(data, 1, bytes, w->f) != bytes))
    w->failed = 1;
}

int hf_ckpt_commit(hf_ckpt_writer *w, hf_err *err) {
  hf_ckpt_put(w, "end", NULL, 0);
  int bad = w->failed || fflush(w->f) != 0 || fsync(fileno(w->f)) != 0;
  if (fclose(w->f) != 0) bad = 1;
  w->f = NULL;
  if (bad) {
    remove(w->tmp);
    return hf_fail(err, "writing checkpoint %s failed (disk full?)", w->tmp);
  }
  if (rename(w->tmp, w->path) != 0)
    return hf_fail(err, "cannot rename %s to %s: %s", w->tmp, w->path, strerror(errno));
  return HF_OK;
}

int hf_ckpt_open_read(hf_ckpt_reader *r, const char *path, int *exists, hf_err *err) {
  memset(r, 0, sizeof *r);
  snprintf(r->path, sizeof r->path, "%s", path);
  r->f = fopen(path, "rb");
  *exists = r->f != NULL;
  if (!r->f && errno != ENOENT)
    return hf_fail(err, "cannot read checkpoint %s: %s", path, strerror(errno));
  return HF_OK;
}

static int get_section(hf_ckpt_reader *r, const char *tag, void *data, size_t bytes, int grown,
                       hf_err *err) {
  char t[TAGLEN];
  uint64_t n;
  if (fread(t, 1, TAGLEN, r->f) != TAGLEN || fread(&n, sizeof n, 1, r->f) != 1)
    return hf_fail(err, "checkpoint %s is truncated before section '%s'", r->path, tag);
  t[TAGLEN - 1] = 0;
  if (strcmp(t, tag) != 0)
    return hf_fail(err, "checkpoint %s: expected section '%s', found '%s'", r->path, tag, t);
  if (grown ? n > bytes : n != bytes)
    return hf_fail(err,
                   "checkpoint %s: section '%s' has %llu bytes, expected %s%zu (different run?)",
                   r->path, tag, (unsigned long long)n, grown ? "at most " : "", bytes);
  if (n && fread(data, 1, (size_t)n, r->f) != n)
    return hf_fail(err, "checkpoint %s is truncated in section '%s'", r->path, tag);
  if (bytes > n) memset((char *)data + n, 0, bytes - (size_t)n); /* (data may be NULL at 0) */
  return HF_OK;
}

int hf_ckpt_get(hf_ckpt_reader *r, const char *tag, void *data, size_t bytes, hf_err *err) {
  return get_section(r, tag, data, bytes, 0, err);
}

int hf_ckpt_get_grown(hf_ckpt_reader *r, const char *tag, void *data, size_t bytes, hf_err *err) {
  return get_section(r, tag, data, bytes, 1, err);
}

int hf_ckpt_next_is(hf_ckpt_reader *r, const char *tag) {
  char t[TAGLEN];
  const long at = ftell(r->f);
  const int got = at >= 0 && fread(t, 1, TAGLEN, r->f) == TAGLEN;
  if (at < 0 || fseek(r->f, at, SEEK_SET)) return 0;
  t[TAGLEN - 1] = 0;
  return got && strncmp(t, tag, TAGLEN - 1) == 0;
}

void hf_ckpt_close(hf_ckpt_reader *r) {
  if (r->f) fclose(r->f);
  r->f = NULL;
}

int hf_mkdir_p(const char *dir, hf_err *err) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", dir);
  for (char *p = buf + 1; *p; p++)
    if (*p == '/') {
      *p = 0;
      if (mkdir(buf, 0777) && errno != EEXIST)
        return hf_fail(err, "cannot create directory %s: %s", buf, strerror(errno));
      *p = '/';
    }
  if (mkdir(buf, 0777) && errno != EEXIST)
    return hf_fail(err, "cannot create directory %s: %s", buf, strerror(errno));
  return HF_OK;
}

int hf_file_truncate(FILE *f, long bytes, const char *path, hf_err *err) {
  if (fflush(f) || ftruncate(fileno(f), bytes) || fseek(f, bytes, SEEK_SET))
    return hf_fail(err, "cannot rewind %s to the checkpoint: %s", path, strerror(errno));
  return HF_OK;
}

int hf_comm_agree(hf_comm *c, int rc, hf_err *err) {
  if (!hf_comm_any(c, rc)) return HF_OK;
  return rc ? rc : hf_fail(err, "stopped: another MPI rank failed (rank 0 says why)");
}

static int get_bcast(hf_ckpt_reader *r, const char *tag, void *data, size_t bytes, int grown,
                     hf_comm *c, hf_err *err) {
  int rc = c->rank == 0 ? get_section(r, tag, data, bytes, grown, err) : HF_OK;
  if (hf_comm_agree(c, rc, err)) return HF_FAIL;
  hf_comm_bcast(c, data, bytes);
  return HF_OK;
}

int hf_ckpt_get_bcast(hf_ckpt_reader *r, const char *tag, void *data, size_t bytes, hf_comm *c,
                      hf_err *err) {
  return get_bcast(r, tag, data, bytes, 0, c, err);
}

int hf_ckpt_get_bcast_grown(hf_ckpt_reader *r, const char *tag, void *data, size_t bytes,
                            hf_comm *c, hf_err *err) {
  return get_bcast(r, tag, data, bytes, 1, c, err);
}

void hf_ckpt_put_lead(hf_ckpt_writer *w, const char *tag, const void *data, size_t bytes) {
  if (w) hf_ckpt_put(w, tag, data, bytes);
}
