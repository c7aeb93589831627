/* test_checkpoint.c - checkpoint sections (heff/checkpoint.h): a round trip,
 * a section of the wrong size or tag refused with the file and section
 * named, and hf_ckpt_get_grown reading a checkpoint written before an array
 * grew (its old entries kept, the new ones zero, the next section intact). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "checkpoint.h"

static char dir[] = "/tmp/test_checkpoint_XXXXXX";

static int write_file(const char *path, const int *a, int na, double b, hf_err *err) {
  hf_ckpt_writer w;
  if (hf_ckpt_open_write(&w, path, err)) return HF_FAIL;
  hf_ckpt_put(&w, "counts", a, (size_t)na * sizeof *a);
  hf_ckpt_put(&w, "after", &b, sizeof b);
  return hf_ckpt_commit(&w, err);
}

/* reads "counts" into 9 ints (grown or exact) and then "after" */
static int read_file(const char *path, int grown, int got[9], double *b, hf_err *err) {
  hf_ckpt_reader r;
  int exists;
  if (hf_ckpt_open_read(&r, path, &exists, err)) return HF_FAIL;
  if (!exists) return hf_fail(err, "%s: missing", path);
  memset(got, 0x55, 9 * sizeof *got);
  int rc = grown ? hf_ckpt_get_grown(&r, "counts", got, 9 * sizeof *got, err)
                 : hf_ckpt_get(&r, "counts", got, 9 * sizeof *got, err);
  if (!rc) rc = hf_ckpt_get(&r, "after", b, sizeof *b, err);
  hf_ckpt_close(&r);
  return rc;
}

int main(void) {
  if (!mkdtemp(dir)) return 1;
  char path[200];
  snprintf(path, sizeof path, "%s/run.ckpt", dir);
  hf_err err;
  const int nine[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, six[6] = {4, 0, 1, 3, 2, 1};
  int got[9];
  double b = 0;

  REQUIRE_OK(write_file(path, nine, 9, 2.5, &err), err);
  REQUIRE_OK(read_file(path, 0, got, &b, &err), err);
  CHECK(!memcmp(got, nine, sizeof nine) && b == 2.5, "round trip");
  REQUIRE_OK(read_file(path, 1, got, &b, &err), err);
  CHECK(!memcmp(got, nine, sizeof nine) && b == 2.5, "round trip (grown, same size)");

  /* an older checkpoint: 6 counts */
  REQUIRE_OK(write_file(path, six, 6, -1.25, &err), err);
  int rc = read_file(path, 0, got, &b, &err);
  printf("exact read of 6 counts into 9: %s\n", rc ? err.msg : "accepted");
  CHECK(rc && strstr(err.msg, path) && strstr(err.msg, "'counts'") && strstr(err.msg, "24 bytes"),
        "a section of another size is refused, naming file, section and size");
  REQUIRE_OK(read_file(path, 1, got, &b, &err), err);
  int zero = 1;
  for (int k = 6; k < 9; k++) zero &= got[k] == 0;
  printf("grown read: %d %d %d %d %d %d | %d %d %d, next section %g\n", got[0], got[1], got[2],
         got[3], got[4], got[5], got[6], got[7], got[8], b);
  CHECK(!memcmp(got, six, sizeof six) && zero && b == -1.25,
        "grown read: old entries kept, new ones zero, next section intact");

  /* a section larger than the array is not an older version */
  int ten[10] = {0};
  REQUIRE_OK(write_file(path, ten, 10, 0, &err), err);
  rc = read_file(path, 1, got, &b, &err);
  printf("grown read of 10 counts into 9: %s\n", rc ? err.msg : "accepted");
  CHECK(rc && strstr(err.msg, "at most 36"), "a larger section is refused");

  /* a wrong tag */
  hf_ckpt_reader r;
  int exists;
  REQUIRE_OK(hf_ckpt_open_read(&r, path, &exists, &err), err);
  rc = hf_ckpt_get_grown(&r, "other", got, sizeof got, &err);
  hf_ckpt_close(&r);
  CHECK(rc && strstr(err.msg, "expected section 'other', found 'counts'"), "wrong tag refused");

  unlink(path);
  rmdir(dir);
  return check_done("checkpoint");
}
