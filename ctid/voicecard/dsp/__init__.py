"""The software voice card: caller ID, DTMF and voice activity from a line tap's audio (numpy, pure).

Modules: ``plans`` (the FSK tone plans), ``modulator`` (test, bench and simulator audio), ``fsk`` (soft bits)
and ``uart`` (bytes and caller-ID frames) for FSK, ``dtmf``, ``vox``, and ``decoder`` (all of it over one
stream of blocks). Everything here is pure computation on int16 sample arrays except ``wavfile``, which reads
files for the ``ctid callerid decode`` command.
"""
