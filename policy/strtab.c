// SPDX-License-Identifier: GPL-2.0
/* The policy parser's string index (see strtab.h). */
#include "strtab.h"

#include <stdlib.h>
#include <string.h>

uint64_t strtab_hash(const char *s, size_t n)
{
	uint64_t h = STRTAB_HASH_INIT;

	for (size_t i = 0; i < n; i++)
		h = strtab_hash_step(h, s[i]);
	return h;
}

/* FNV's low bits are weak for similar keys; mix before masking. */
static size_t home(uint64_t h, size_t cap)
{
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	return (size_t)h & (cap - 1);
}

static void put(struct strtab *t, struct strtab_slot s)
{
	size_t i = home(s.h, t->cap);

	while (t->s[i].idx1)
		i = (i + 1) & (t->cap - 1);
	t->s[i] = s;
	t->n++;
}

bool strtab_insert(struct strtab *t, uint64_t h, size_t len, size_t idx)
{
	if ((t->n + 1) * 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct strtab nt = { calloc(cap, sizeof(struct strtab_slot)), cap, 0 };

		if (!nt.s)
			return false;
		for (size_t i = 0; i < t->cap; i++)
			if (t->s[i].idx1)
				put(&nt, t->s[i]);
		free(t->s);
		*t = nt;
	}
	put(t, (struct strtab_slot){ h, len, idx + 1 });
	return true;
}

size_t strtab_find(const struct strtab *t, uint64_t h, const char *key, size_t n,
		   const char *(*keyof)(const void *ctx, size_t idx), const void *ctx)
{
	if (!t->cap)
		return STRTAB_NONE;
	for (size_t i = home(h, t->cap); t->s[i].idx1; i = (i + 1) & (t->cap - 1)) {
		const struct strtab_slot *s = &t->s[i];

		if (s->h == h && s->len == n && !memcmp(keyof(ctx, s->idx1 - 1), key, n))
			return s->idx1 - 1;
	}
	return STRTAB_NONE;
}

void strtab_free(struct strtab *t)
{
	free(t->s);
	t->s = NULL;
	t->cap = t->n = 0;
}
