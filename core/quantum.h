/* quantum.h — the one number every part of the engine agrees on: the engine renders quanta of
 * LT_QUANTUM frames aligned to absolute frame 0 (DESIGN.md, "Time").  A voice kernel or an effect is
 * never asked for more than LT_QUANTUM frames at once. */
#ifndef LT_QUANTUM_H
#define LT_QUANTUM_H
#define LT_QUANTUM 32
#endif
