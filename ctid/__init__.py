"""ctid: a CTI daemon for dealership service desks."""

__version__ = "0.1.0"
