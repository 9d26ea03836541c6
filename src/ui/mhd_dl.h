/* mhd_dl.h - libmicrohttpd, loaded when door ui starts (src/ui/mhd_dl.c). */
#ifndef DOOR_UI_MHD_DL_H
#define DOOR_UI_MHD_DL_H

/* Loads libmicrohttpd.so.12 once; 1 when it is there, 0 when not. */
int		 mhd_dl_ready(void);
/* Why it could not be loaded ("" when it was). */
const char	*mhd_dl_error(void);

#endif
