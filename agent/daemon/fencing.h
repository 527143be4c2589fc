/*
 * fencing.h — (being written) between the role machine and the fence runner.
 */
#ifndef RELEVO_FENCING_H
#define RELEVO_FENCING_H
#endif
