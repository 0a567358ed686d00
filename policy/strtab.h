/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An index of strings that live elsewhere (a set's name, an entry's path):
 * open addressing over (hash, length, index) slots, FNV-1a hashes. The
 * table never copies a key; lookups compare against the caller's array
 * through keyof(). FNV is a running hash, so the hashes of every prefix of
 * a path come from one pass (the policy's nearest-ancestor search).
 */
#ifndef CPUGUARD_STRTAB_H
#define CPUGUARD_STRTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STRTAB_NONE SIZE_MAX
#define STRTAB_HASH_INIT UINT64_C(0xcbf29ce484222325)

/* Open addressing; idx1 = index + 1 so that a zeroed slot is empty. */
struct strtab_slot {
	uint64_t h;
	size_t len;
	size_t idx1;
};

struct strtab {
	struct strtab_slot *s;
	size_t cap, n;
};

static inline uint64_t strtab_hash_step(uint64_t h, char c)
{
	return (h ^ (unsigned char)c) * UINT64_C(0x100000001b3);
}

uint64_t strtab_hash(const char *s, size_t n);
/* Index idx under hash h of a key of len bytes; false when out of memory. */
bool strtab_insert(struct strtab *t, uint64_t h, size_t len, size_t idx);
/* The index whose key (keyof(ctx, index)) is the n bytes at key, or STRTAB_NONE. */
size_t strtab_find(const struct strtab *t, uint64_t h, const char *key, size_t n,
		   const char *(*keyof)(const void *ctx, size_t idx), const void *ctx);
void strtab_free(struct strtab *t);

#endif
