/* curl_dl.h - libcurl loaded on first use (curl_dl.c says why). */
#ifndef DOOR_URL_CURL_DL_H
#define DOOR_URL_CURL_DL_H

/* NULL when libcurl is loaded; else why not, in a sentence. */
const char	*curl_dl_error(void);

#endif
