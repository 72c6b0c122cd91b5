/* The patch check's feed, opened early: `riskmap scan` run as root drops to --user before the
 * checks run, and the feed (root's, 0600 in a 0700 directory) cannot be opened after that.
 * The scan command calls patch_feed_preopen() before the drop; the check then uses that
 * handle. Without it (not root), the check opens the feed itself. */
#ifndef RISKMAP_PATCH_H
#define RISKMAP_PATCH_H

/* Opens the default feed read-only if there is one; silent (the check reports a missing or
 * unreadable feed). */
void patch_feed_preopen(void);
/* Closes a preopened feed the check did not take (it was not selected). */
void patch_feed_release(void);

#endif
