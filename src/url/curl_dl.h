/* curl_dl.h - libcurl loaded on first use (curl_dl.c says why). */
#ifndef DOOR_URL_CURL_DL_H
#define DOOR_URL_CURL_DL_H

/* NULL when libcurl is loaded; else why not, in a sentence. */
const char	*curl_dl_error(void);

/* Loads libcurl and runs curl_global_init once for the whole process,
 * whatever the number of threads asking at once: what threads must call
 * before their first curl_easy_init. Never cleaned up (libcurl counts
 * global inits: door url's own init and cleanup stay paired). NULL when
 * ready; else why not, in a sentence. */
const char	*curl_dl_start(void);

#endif
