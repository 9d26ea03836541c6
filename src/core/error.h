/* error.h - the error type every layer below the commands returns. */
#ifndef DOOR_CORE_ERROR_H
#define DOOR_CORE_ERROR_H

/*
 * Exit statuses are part of door's interface (door(1), EXIT STATUS).
 * An error carries the status the command should end with, so a layer deep
 * down can say "this was a permission problem" without printing or exiting.
 */
enum door_status {
	DOOR_OK = 0,      /* yes: found, open, freed, ready */
	DOOR_NO = 1,      /* no: nobody, closed, timed out */
	DOOR_USAGE = 2,   /* the user's words were wrong */
	DOOR_SYSTEM = 3,  /* the machine failed us */
	DOOR_DENIED = 4,  /* permission */
	DOOR_UNSAFE = 5,  /* refused as unsafe */
};

struct door_err {
	enum door_status status;
	int              sys_errno;   /* 0 when not from a system call */
	char             msg[256];
};

/* Both return -1 so callers can write `return err_set(e, ...);`. */
int	err_set(struct door_err *, enum door_status, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/* Appends ": strerror(errnum)" and picks DENIED for EACCES/EPERM. */
int	err_sys(struct door_err *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	err_clear(struct door_err *);

#endif
