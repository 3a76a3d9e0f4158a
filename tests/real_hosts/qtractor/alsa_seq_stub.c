/*
 * An empty ALSA sequencer for Qtractor, loaded with LD_PRELOAD by tests/real_hosts/qtractor.rs.
 *
 * Test tooling, never shipped. Qtractor 0.9.31 refuses to start without an ALSA sequencer
 * ("open /dev/snd/seq failed"), and a CI machine has no sound card. This library answers every
 * libasound call Qtractor makes with a snd_seq_t handle as a sequencer with no other clients
 * and nothing to read; snd_seq_open() hands out a private object, so the real libasound never
 * sees it. Struct accessors (snd_seq_*_sizeof, *_get_*, *_set_*), snd_midi_event_* and
 * snd_timer_* stay with the real libasound. Qtractor's audio engine (JACK) and its plug-in
 * hosting are untouched.
 *
 * Build: cc -shared -fPIC -O2 -Wall -o alsa_seq_stub.so alsa_seq_stub.c   (libasound2-dev)
 */
#define _GNU_SOURCE
#include <alsa/asoundlib.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fake_seq {
	int magic;
	int pipe_fd[2];   /* read end is polled by Qtractor; nothing is ever written */
	int next_port;
	char name[64];
};

int snd_seq_open(snd_seq_t **handle, const char *name, int streams, int mode)
{
	(void) name; (void) streams; (void) mode;
	struct fake_seq *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->magic = 0x5e9f;
	if (pipe(s->pipe_fd) < 0) {
		free(s);
		return -errno;
	}
	s->next_port = 0;
	*handle = (snd_seq_t *) s;
	return 0;
}

int snd_seq_close(snd_seq_t *handle)
{
	struct fake_seq *s = (struct fake_seq *) handle;
	if (s) {
		close(s->pipe_fd[0]);
		close(s->pipe_fd[1]);
		free(s);
	}
	return 0;
}

int snd_seq_set_client_name(snd_seq_t *handle, const char *name)
{
	struct fake_seq *s = (struct fake_seq *) handle;
	if (s && name)
		snprintf(s->name, sizeof(s->name), "%s", name);
	return 0;
}

int snd_seq_client_id(snd_seq_t *handle) { (void) handle; return 128; }

int snd_seq_alloc_queue(snd_seq_t *handle) { (void) handle; return 0; }
int snd_seq_free_queue(snd_seq_t *handle, int q) { (void) handle; (void) q; return 0; }

int snd_seq_set_queue_tempo(snd_seq_t *handle, int q, snd_seq_queue_tempo_t *t)
{ (void) handle; (void) q; (void) t; return 0; }

int snd_seq_get_queue_tempo(snd_seq_t *handle, int q, snd_seq_queue_tempo_t *t)
{
	(void) handle; (void) q;
	/* leave a sane tempo (120 bpm, 96 ppq, skew 1.0) in the caller's struct */
	snd_seq_queue_tempo_set_tempo(t, 500000);
	snd_seq_queue_tempo_set_ppq(t, 96);
	snd_seq_queue_tempo_set_skew(t, 0x10000);
	return 0;
}

int snd_seq_set_queue_timer(snd_seq_t *handle, int q, snd_seq_queue_timer_t *t)
{ (void) handle; (void) q; (void) t; return 0; }

int snd_seq_control_queue(snd_seq_t *handle, int q, int type, int value, snd_seq_event_t *ev)
{ (void) handle; (void) q; (void) type; (void) value; (void) ev; return 0; }

int snd_seq_get_queue_status(snd_seq_t *handle, int q, snd_seq_queue_status_t *st)
{
	(void) handle; (void) q;
	memset(st, 0, snd_seq_queue_status_sizeof());
	return 0;
}

int snd_seq_create_simple_port(snd_seq_t *handle, const char *name, unsigned int caps, unsigned int type)
{
	(void) name; (void) caps; (void) type;
	struct fake_seq *s = (struct fake_seq *) handle;
	return s ? s->next_port++ : 0;
}

int snd_seq_delete_simple_port(snd_seq_t *handle, int port) { (void) handle; (void) port; return 0; }

int snd_seq_get_port_info(snd_seq_t *handle, int port, snd_seq_port_info_t *info)
{
	(void) handle;
	memset(info, 0, snd_seq_port_info_sizeof());
	snd_seq_port_info_set_client(info, 128);
	snd_seq_port_info_set_port(info, port);
	return 0;
}

int snd_seq_set_port_info(snd_seq_t *handle, int port, snd_seq_port_info_t *info)
{ (void) handle; (void) port; (void) info; return 0; }

int snd_seq_get_any_client_info(snd_seq_t *handle, int client, snd_seq_client_info_t *info)
{ (void) handle; (void) client; (void) info; return -ENOENT; }

int snd_seq_get_any_port_info(snd_seq_t *handle, int client, int port, snd_seq_port_info_t *info)
{ (void) handle; (void) client; (void) port; (void) info; return -ENOENT; }

int snd_seq_query_next_client(snd_seq_t *handle, snd_seq_client_info_t *info)
{ (void) handle; (void) info; return -ENOENT; }

int snd_seq_query_next_port(snd_seq_t *handle, snd_seq_port_info_t *info)
{ (void) handle; (void) info; return -ENOENT; }

int snd_seq_query_port_subscribers(snd_seq_t *handle, snd_seq_query_subscribe_t *subs)
{ (void) handle; (void) subs; return -ENOENT; }

int snd_seq_subscribe_port(snd_seq_t *handle, snd_seq_port_subscribe_t *sub)
{ (void) handle; (void) sub; return 0; }

int snd_seq_unsubscribe_port(snd_seq_t *handle, snd_seq_port_subscribe_t *sub)
{ (void) handle; (void) sub; return 0; }

int snd_seq_poll_descriptors_count(snd_seq_t *handle, short events)
{ (void) handle; (void) events; return 1; }

int snd_seq_poll_descriptors(snd_seq_t *handle, struct pollfd *pfds, unsigned int space, short events)
{
	struct fake_seq *s = (struct fake_seq *) handle;
	if (!s || space < 1)
		return 0;
	pfds[0].fd = s->pipe_fd[0];
	pfds[0].events = events & POLLIN;
	pfds[0].revents = 0;
	return 1;
}

int snd_seq_event_input(snd_seq_t *handle, snd_seq_event_t **ev)
{ (void) handle; if (ev) *ev = NULL; return -EAGAIN; }

int snd_seq_event_input_pending(snd_seq_t *handle, int fetch)
{ (void) handle; (void) fetch; return 0; }

int snd_seq_event_output(snd_seq_t *handle, snd_seq_event_t *ev)
{ (void) handle; (void) ev; return 0; }

int snd_seq_event_output_direct(snd_seq_t *handle, snd_seq_event_t *ev)
{ (void) handle; (void) ev; return (int) sizeof(snd_seq_event_t); }

int snd_seq_drain_output(snd_seq_t *handle) { (void) handle; return 0; }
int snd_seq_drop_output(snd_seq_t *handle) { (void) handle; return 0; }
int snd_seq_drop_input(snd_seq_t *handle) { (void) handle; return 0; }

int snd_seq_remove_events(snd_seq_t *handle, snd_seq_remove_events_t *rm)
{ (void) handle; (void) rm; return 0; }
