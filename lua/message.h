/* message.h — every message lute prints while it works (a reload error, a late event, a loop that
 * stopped) goes through lt_message, which keeps a flood from burying the REPL: the first message of
 * a kind is printed at once; repeats within the next LT_MESSAGE_WINDOW_S seconds are only counted,
 * and when the window closes one line says "<the last of them> (repeated N times in the last S s)".
 * Each action of the user (a save, a REPL line: lt_message_user_action) starts every kind afresh, so
 * the answer to every save is printed, even the same error twice in a row.
 *
 * A kind is a key.  lt_message() keys a message by its text with every run of digits ignored, so
 * "an event arrived 12 frames late (frame 4800)" and "... 40 frames late (frame 9600)" are one kind,
 * while two different errors are two.  lt_message_keyed() takes an explicit key, for callers whose
 * messages of one kind differ in more than numbers (a scheduler error naming a different note each
 * time); the same key from different call sites is one kind.  From Lua, `require "lute.message"`
 * gives a function msg(text) and msg(key, text) (see lt_open_message).
 *
 * Thread: control only (the thread that owns the Lua state).  RT-safe: no. */
#ifndef LT_MESSAGE_H
#define LT_MESSAGE_H
#include <lua.h>

#define LT_MESSAGE_WINDOW_S 2.0   /* seconds during which repeats of a kind are only counted */

/* Prints a message (a newline is added) unless it repeats a kind seen in the current window. */
void lt_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same with an explicit kind: `key` is any text (copied); NULL = keyed by the text. */
void lt_message_keyed(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Holds a message back until the next lt_message_flush (so it follows the error that explains it). */
void lt_message_later(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the messages held back by lt_message_later and the "(repeated N times ...)" lines of windows that have closed.  Call it now and then
 * (the live loop does, every turn); `all` closes every window now (at exit). */
void lt_message_flush(int all);
/* The user just did something (saved the script, entered a REPL line): what lute says in answer must be
 * seen even if it repeats an earlier message, so the counts so far are printed and every kind starts
 * afresh.  Flood control is for what repeats on its own (each tick, each event), not for answers. */
void lt_message_user_action(void);
/* How many messages were held back so far (for tests). */
unsigned long lt_message_suppressed(void);
/* Where messages go: NULL = stderr; the REPL installs a printer that keeps the prompt intact. */
extern void (*lt_message_hook)(const char *text);
/* package.preload["lute.message"]: returns function(key_or_text [, text]). */
int lt_open_message(lua_State *L);
#endif
