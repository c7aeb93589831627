/* checkpoint.h - binary checkpoint files written atomically (temporary file,
 * fsync, rename), as a sequence of tagged sections so a reader detects a
 * mismatched or truncated file instead of loading garbage. */
#ifndef HF_CHECKPOINT_H
#define HF_CHECKPOINT_H

#include <stddef.h>
#include <stdio.h>

#include "comm.h"
#include "error.h"

typedef struct {
  FILE *f;
  char path[1100], tmp[1110];
  int failed;
} hf_ckpt_writer;

int hf_ckpt_open_write(hf_ckpt_writer *w, const char *path, hf_err *err);
void hf_ckpt_put(hf_ckpt_writer *w, const char *tag, const void *data, size_t bytes);
/* Flushes, fsyncs and renames over the old checkpoint. */
int hf_ckpt_commit(hf_ckpt_writer *w, hf_err *err);

typedef struct {
  FILE *f;
  char path[1100];
} hf_ckpt_reader;

/* Returns HF_OK and sets *exists = 0 when there is no checkpoint. */
int hf_ckpt_open_read(hf_ckpt_reader *r, const char *path, int *exists, hf_err *err);
/* Reads the next section, which must carry this tag and exactly this size. */
int hf_ckpt_get(hf_ckpt_reader *r, const char *tag, void *data, size_t bytes, hf_err *err);
/* As hf_ckpt_get for an array that grew at its end in a later version: a
 * section of at most bytes is read, the rest of data zeroed. */
int hf_ckpt_get_grown(hf_ckpt_reader *r, const char *tag, void *data, size_t bytes, hf_err *err);
/* 1 if the next section carries this tag (an optional section a later
 * version added), 0 if not; the reader does not move. */
int hf_ckpt_next_is(hf_ckpt_reader *r, const char *tag);
void hf_ckpt_close(hf_ckpt_reader *r);

/* On several ranks only rank 0 holds the file (r, w NULL elsewhere): it
 * reads a section and every rank gets the bytes and the outcome / it writes
 * a section of replicated data. */
int hf_ckpt_get_bcast(hf_ckpt_reader *r, const char *tag, void *data, size_t bytes, hf_comm *c,
                      hf_err *err);
/* The same for a section that may have grown at its end since the file was
 * written (hf_ckpt_get_grown: the missing tail reads as zeros). */
int hf_ckpt_get_bcast_grown(hf_ckpt_reader *r, const char *tag, void *data, size_t bytes,
                            hf_comm *c, hf_err *err);
void hf_ckpt_put_lead(hf_ckpt_writer *w, const char *tag, const void *data, size_t bytes);
/* 1 on every rank if rc failed on any; a rank without its own message
 * gets one that points to the rank that failed. */
int hf_comm_agree(hf_comm *c, int rc, hf_err *err);

/* mkdir -p: creates dir and its parents (existing ones are fine). */
int hf_mkdir_p(const char *dir, hf_err *err);

/* Cuts an output table back to its length at the checkpoint and positions
 * the stream there (resume). */
int hf_file_truncate(FILE *f, long bytes, const char *path, hf_err *err);

#endif
